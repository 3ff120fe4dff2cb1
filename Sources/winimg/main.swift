print("winimg")
