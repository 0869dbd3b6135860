"""``python -m cleaner`` runs the command line."""

from cleaner.cli import main

if __name__ == "__main__":
    main()
