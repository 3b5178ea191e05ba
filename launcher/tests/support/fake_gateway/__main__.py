from fake_service import main

main("GATEWAY_")
