from zerocity.cli import main

main()
