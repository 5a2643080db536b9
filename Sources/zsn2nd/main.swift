print("zsn2nd")
