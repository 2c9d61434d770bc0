"""Fictional staff names: small built-in lists combined, unique per worker (no real person's data)."""

from __future__ import annotations

import numpy as np

FIRST = (
    "Amara", "Ben", "Chloe", "Daniel", "Ellie", "Farah", "George", "Hannah", "Isaac", "Jade", "Kieran", "Leah",
    "Mohammed", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Samuel", "Tara", "Usman", "Violet", "William",
    "Yasmin", "Zach", "Abigail", "Callum", "Dionne", "Elliot", "Fiona", "Grace", "Harvey", "Imogen", "Jamal",
    "Katie", "Liam", "Megan", "Nathan", "Olivia", "Patrick", "Rachel", "Sophie", "Thomas", "Uma", "Vikram",
    "Wendy", "Xavier", "Yusuf", "Zoe", "Aisha", "Bethany", "Connor", "Danielle", "Ethan", "Freya", "Gemma",
    "Hamza", "Isla", "Joseph", "Kirsty", "Lewis", "Maya", "Niamh", "Owen", "Poppy", "Reuben", "Saira",
    "Tobias", "Ruth", "Alfie", "Bronwen", "Ciaran", "Deborah", "Eleanor", "Femi", "Gareth", "Helen",
)
SURNAME = (
    "Ashworth", "Bramley", "Cartwright", "Dunmore", "Ellwood", "Fenwick", "Garside", "Holloway", "Ingram",
    "Jessop", "Kershaw", "Lindley", "Marsden", "Northcott", "Oakley", "Pickering", "Quarmby", "Radcliffe",
    "Stanhope", "Thornton", "Underwood", "Varley", "Whitaker", "Yardley", "Ackroyd", "Bellamy", "Crowther",
    "Dewhurst", "Eastwood", "Fairclough", "Greenhalgh", "Hepworth", "Illingworth", "Jagger", "Kilburn",
    "Lofthouse", "Mellor", "Nuttall", "Ormerod", "Pennington", "Rowbotham", "Sutcliffe", "Tetley", "Uttley",
    "Wainwright", "Ahmed", "Begum", "Chowdhury", "Desai", "Okafor", "Mensah", "Nowak", "Kowalski", "Osei",
    "Patel", "Rahman", "Singh", "Hussain", "Mahmood", "Adeyemi", "Brennan", "Costa", "Doyle", "Evans",
    "Fitzgerald", "Gallagher", "Hughes", "Jenkins", "Kaur", "Lloyd", "McAllister", "Nolan", "O'Neill",
    "Price", "Quinn", "Rees", "Shah", "Taylor", "Walsh",
)


class NameMaker:
    """Draws 'Firstname Surname' names without repeats (a middle initial breaks ties once lists run out)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> str:
        for attempt in range(50):
            name = f"{FIRST[self.rng.integers(len(FIRST))]} {SURNAME[self.rng.integers(len(SURNAME))]}"
            if attempt > 10:
                first, last = name.split(" ", 1)
                name = f"{first} {chr(65 + int(self.rng.integers(26)))}. {last}"
            if name not in self.used:
                self.used.add(name)
                return name
        n = len(self.used)
        name = f"{FIRST[n % len(FIRST)]} {SURNAME[(n // len(FIRST)) % len(SURNAME)]}-{n}"
        self.used.add(name)
        return name
