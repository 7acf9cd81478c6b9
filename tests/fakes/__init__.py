"""Protocol-level fakes of every remote party, served on loopback for the real clients."""
