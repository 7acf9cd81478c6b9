"""Sources: where posts come from. Each adapter turns its library's output into Items."""
