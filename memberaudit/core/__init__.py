"""Pure logic without Django I/O, with fast unit tests."""
