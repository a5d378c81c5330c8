"""What is inside image data: disk format detection and safety checks."""
