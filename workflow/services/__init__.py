"""Services: one function per thing the office does, each in one transaction."""
