"""Operations over the API: fetch (API -> core), apply (Plan -> calls), saved-plan checks."""
