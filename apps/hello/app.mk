app-y += apps/hello/main.c
