"""Storage: the sqlmodel tables, the engine, migrations and the functions that read and write."""
