app-y += apps/crashtest/main.c
