"""Presenting: plots, the HTML report and the command line, the top of the house."""
