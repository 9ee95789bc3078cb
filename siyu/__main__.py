"""``python -m siyu``: the command line."""

from siyu.cli import main

main()
