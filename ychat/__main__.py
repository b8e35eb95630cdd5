from ychat.cli import main

main()
