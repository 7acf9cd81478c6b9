"""What every parse worker starts from: imported once in the forkserver, before it forks.

The parsers are loaded here, then the objects they made are frozen out of the garbage
collector's reach, so that a worker's collections do not write to (and so copy) the pages
it shares with the forkserver and the other workers.
"""

import gc

import bot.sources.feed.parse  # noqa: F401  # the parsers, loaded once for every worker

gc.freeze()
