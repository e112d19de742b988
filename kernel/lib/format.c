// SPDX-License-Identifier: MIT
/*
 * The printf engine. Output goes to a sink callback in runs (literal text,
 * padding, digits), never character by character through the sink, so the
 * console path stays cheap. Pure code: also compiled into the host tests.
 */
#include <ember/format.h>

struct fmt_spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;   /* -1: none */
	int length; /* 0 int, 1 long, 2 long long, -1 short, -2 char, 3 size_t */
	char conv;
};

#define FMT_MAX_WIDTH 4096 /* wider fields and precisions are clamped */

struct fmt_out {
	fmt_sink_fn sink;
	void *ctx;
	int count;
};

static void out_str(struct fmt_out *o, const char *s, size_t n)
{
	if (n) {
		o->sink(o->ctx, s, n);
		o->count += (int)n;
	}
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	char pad[16];
	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = c;
	while (n > 0) {
		int k = n > (int)sizeof(pad) ? (int)sizeof(pad) : n;
		out_str(o, pad, (size_t)k);
		n -= k;
	}
}

static size_t str_nlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Writes the digits of @v in @base backwards ending at @end; returns start. */
static char *format_digits(char *end, unsigned long long v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		*--end = digits[v % base];
		v /= base;
	} while (v);
	return end;
}

static void format_integer(struct fmt_out *o, const struct fmt_spec *sp, unsigned long long v,
			   int sign, unsigned base, bool upper)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	char *start = (sp->prec == 0 && v == 0) ? end : format_digits(end, v, base, upper);
	int ndigits = (int)(end - start);
	char prefix[3];
	int nprefix = 0;

	/* sign: -1 negative, +1 non-negative signed, 0 unsigned (no + or space) */
	if (sign < 0)
		prefix[nprefix++] = '-';
	else if (sign > 0 && sp->plus)
		prefix[nprefix++] = '+';
	else if (sign > 0 && sp->space)
		prefix[nprefix++] = ' ';
	if (sp->alt && base == 16 && (v || sp->conv == 'p')) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = upper ? 'X' : 'x';
	} else if (sp->alt && base == 8 && sp->prec <= ndigits && (ndigits == 0 || *start != '0')) {
		prefix[nprefix++] = '0'; /* octal's # makes the first digit a 0 */
	}
	int zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	int total = nprefix + zeros + ndigits;
	int pad = sp->width > total ? sp->width - total : 0;

	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		out_pad(o, ' ', pad);
	out_str(o, prefix, (size_t)nprefix);
	out_pad(o, '0', zeros);
	out_str(o, start, (size_t)ndigits);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static void format_string(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	size_t n = str_nlen(s, sp->prec >= 0 ? (size_t)sp->prec : (size_t)-1);
	int pad = sp->width > (int)n ? sp->width - (int)n : 0;
	if (!sp->left)
		out_pad(o, ' ', pad);
	out_str(o, s, n);
	if (sp->left)
		out_pad(o, ' ', pad);
}

/* Parses flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *f, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);
		if (w < 0) {
			sp->left = true;
			w = w == -w ? FMT_MAX_WIDTH : -w; /* INT_MIN */
		}
		sp->width = MIN(w, FMT_MAX_WIDTH);
		f++;
	} else {
		for (; *f >= '0' && *f <= '9'; f++)
			sp->width = MIN(sp->width * 10 + (*f - '0'), FMT_MAX_WIDTH);
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			else
				sp->prec = MIN(sp->prec, FMT_MAX_WIDTH);
			f++;
		} else {
			for (; *f >= '0' && *f <= '9'; f++)
				sp->prec = MIN(sp->prec * 10 + (*f - '0'), FMT_MAX_WIDTH);
		}
	}
	for (;; f++) {
		if (*f == 'l')
			sp->length = sp->length == 1 ? 2 : 1;
		else if (*f == 'h')
			sp->length = sp->length == -1 ? -2 : -1;
		else if (*f == 'z' || *f == 't' || *f == 'j')
			sp->length = 3;
		else
			break;
	}
	return f;
}

static long long fetch_signed(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 0: return va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 3: return (long long)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, long long);
	}
}

static unsigned long long fetch_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->length) {
	case -2: return (unsigned char)va_arg(*ap, unsigned);
	case -1: return (unsigned short)va_arg(*ap, unsigned);
	case 0: return va_arg(*ap, unsigned);
	case 1: return va_arg(*ap, unsigned long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned long long);
	}
}

static void format_one(struct fmt_out *o, struct fmt_spec *sp, char conv, va_list *ap)
{
	sp->conv = conv;
	switch (conv) {
	case 'd':
	case 'i': {
		long long v = fetch_signed(sp, ap);
		unsigned long long mag =
			v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
		format_integer(o, sp, mag, v < 0 ? -1 : 1, 10, false);
		break;
	}
	case 'u': format_integer(o, sp, fetch_unsigned(sp, ap), 0, 10, false); break;
	case 'x': format_integer(o, sp, fetch_unsigned(sp, ap), 0, 16, false); break;
	case 'X': format_integer(o, sp, fetch_unsigned(sp, ap), 0, 16, true); break;
	case 'o': format_integer(o, sp, fetch_unsigned(sp, ap), 0, 8, false); break;
	case 'p':
		sp->alt = true;
		format_integer(o, sp, (uintptr_t)va_arg(*ap, void *), 0, 16, false);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int); /* printed even when it is NUL */
		int pad = sp->width > 1 ? sp->width - 1 : 0;
		if (!sp->left)
			out_pad(o, ' ', pad);
		out_str(o, &c, 1);
		if (sp->left)
			out_pad(o, ' ', pad);
		break;
	}
	case 's': format_string(o, sp, va_arg(*ap, const char *)); break;
	default:
		out_str(o, "%", 1);
		out_str(o, &conv, conv ? 1 : 0);
		break;
	}
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { sink, ctx, 0 };
	va_list args;
	va_copy(args, ap);
	while (*fmt) {
		const char *lit = fmt;
		while (*fmt && *fmt != '%')
			fmt++;
		out_str(&o, lit, (size_t)(fmt - lit));
		if (!*fmt)
			break;
		if (fmt[1] == '%') {
			out_str(&o, "%", 1);
			fmt += 2;
			continue;
		}
		struct fmt_spec sp;
		fmt = parse_spec(fmt + 1, &sp, &args);
		format_one(&o, &sp, *fmt, &args);
		if (*fmt)
			fmt++;
	}
	va_end(args);
	return o.count;
}

struct snprintf_ctx {
	char *buf;
	size_t size, used;
};

static void snprintf_sink(void *ctx, const char *s, size_t n)
{
	struct snprintf_ctx *c = ctx;
	for (size_t i = 0; i < n; i++, c->used++)
		if (c->size && c->used < c->size - 1)
			c->buf[c->used] = s[i];
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snprintf_ctx c = { buf, size, 0 };
	int n = fmt_vformat(snprintf_sink, &c, fmt, ap);
	if (size)
		buf[c.used < size ? c.used : size - 1] = '\0';
	return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
