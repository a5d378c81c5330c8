"""The HTTP layer every service's API is built from: one Flask app factory, a
declarative route table, microversions, validation, faults and request ids."""
