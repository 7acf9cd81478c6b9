"""The operator's view: status, health, metrics, the HTTP endpoints, database trouble."""
