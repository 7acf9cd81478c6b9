"""Stories: posts from many sources that report one leak."""
