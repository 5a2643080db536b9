print("zsn2n")
