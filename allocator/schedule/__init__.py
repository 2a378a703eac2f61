"""After the allocation: who hosts each meeting (`hosts`) and when it is held (`dates`)."""
