"""The front door's files: reading the data health offices keep, writing reports and charts."""
