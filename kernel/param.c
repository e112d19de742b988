// SPDX-License-Identifier: MIT
/*
 * Kernel parameter registry: matching command-line words against the
 * descriptors in .ember_params. param_set() is pure (unit-tested on the
 * host); param_apply() walks the linker section and reports errors.
 */
#include <ember/param.h>
#include <ember/errno.h>
#include <ember/string.h>

int param_parse_uint(const char *s, unsigned long *out)
{
	unsigned base = 10;
	unsigned long v = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		if (v > (~0ul - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int param_set(const struct param_desc *table, size_t n, const char *key, const char *value)
{
	for (size_t i = 0; i < n; i++) {
		const struct param_desc *d = &table[i];
		if (strcmp(d->name, key))
			continue;
		switch (d->type) {
		case PARAM_BOOL: return parse_bool(value, d->var);
		case PARAM_UINT: return param_parse_uint(value, d->var);
		case PARAM_STRING: *(const char **)d->var = value; return 0;
		}
		return -EINVAL;
	}
	return -ENOENT;
}

bool param_is_env(const char *key)
{
	return !strncmp(key, PARAM_ENV_PREFIX, sizeof(PARAM_ENV_PREFIX) - 1);
}
