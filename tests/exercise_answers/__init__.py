"""The right answer and typical wrong answers to each notebook's checked questions, one module per
notebook (``nbNN.py``), for tests/test_exercises.py.

Each module has
    right()   the notebook variables the checks read, as the worked solution leaves them
    WRONG     {question: [(variables that differ from right(), words of the hint it must get)]}
    ALSO_RIGHT (optional) {question: [variables of another right answer: NumPy types, ...]}
Every question of the notebook has at least one typical wrong answer.
"""
