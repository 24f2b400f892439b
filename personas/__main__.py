from personas.cli import main

main()
