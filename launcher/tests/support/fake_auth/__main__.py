from fake_service import main

main("AUTH_")
