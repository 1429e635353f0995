# The project's commands. `make run` and `make test` are the two the README starts with.
.PHONY: run test chaos bench install dev release sqlx-prepare

run:            ## install, build and run everything (EXECUTORS=N, default 2)
	bash scripts/run.sh

test:           ## the whole test suite, as CI runs it
	bash scripts/test.sh

chaos:          ## the fault-injection suite at full length (60 s per steady case)
	bash scripts/chaos.sh

bench:          ## release builds and the benchmark scenarios (docs/benchmarks.md)
	bash scripts/bench.sh

install:        ## install the pinned tools only
	bash scripts/install.sh

dev:            ## cargo leptos watch, with the private PostgreSQL
	bash scripts/dev.sh

sqlx-prepare:   ## regenerate .sqlx/ after changing a query (needs a migrated DATABASE_URL)
	bash scripts/sqlx-prepare.sh
