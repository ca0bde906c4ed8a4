print("nn: not yet")
