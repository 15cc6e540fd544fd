"""The teaching notebook's helpers: exercises that check answers, and CX economics."""
