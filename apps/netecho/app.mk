app-features += libc net
app-y += apps/netecho/main.c
