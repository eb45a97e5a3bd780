"""Test and demo helpers: the ESI emulator and the data it generates."""
