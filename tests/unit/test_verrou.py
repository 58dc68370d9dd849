"""The brute-force clock: 5 failures, then 1 minute, doubling up to 30 minutes."""

from datetime import UTC, datetime, timedelta

from web.connexion.verrou import delai, minutes_restantes


def test_pas_de_delai_avant_cinq_echecs():
    assert [delai(n) for n in range(5)] == [None] * 5


def test_delai_double_jusqu_a_trente_minutes():
    minutes = [delai(n) / timedelta(minutes=1) for n in range(5, 13)]
    assert minutes == [1, 2, 4, 8, 16, 30, 30, 30]


def test_minutes_restantes_arrondies_au_dessus():
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    assert minutes_restantes(t0 + timedelta(seconds=61), t0) == 2
    assert minutes_restantes(t0 + timedelta(seconds=5), t0) == 1
