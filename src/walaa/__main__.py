from walaa.entrypoints.cli import main

main()
