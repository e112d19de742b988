app-y += apps/workload/main.c
