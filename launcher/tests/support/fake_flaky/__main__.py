from fake_service import main

main("FLAKY_")
