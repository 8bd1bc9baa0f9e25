"""copflow's database: models, engines, the unit of work and migrations."""
