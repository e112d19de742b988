app-features += net
app-y += apps/netidle/main.c
# It listens on a raw lwIP UDP socket for the word that ends it.
CFLAGS-apps/netidle/main.c += $(NET_CPPFLAGS)
