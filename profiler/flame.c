// SPDX-License-Identifier: MIT
/*
 * A self-contained SVG flame graph, in the manner of flamegraph.pl (written
 * afresh): the stacks are merged into a tree under an "all" root, frames are
 * laid out bottom-up (the root at the bottom), each as wide as its samples,
 * siblings in name order, and every frame is a <g> holding a <title> ("name
 * (N samples, P%)", the hover text), a <rect> coloured from a hash of its name
 * (a warm palette, so a function keeps its colour across graphs) and a
 * <text> label cut to fit. Frames narrower than 0.1% of the width are left
 * out, as are their descendants.
 *
 * Each <g> carries its place in samples (data-o offset, data-s samples,
 * data-d depth) so the embedded script can zoom (click a frame; "Reset Zoom")
 * and search (click "Search" or Ctrl-F: a regular expression; matching
 * frames turn purple and the share of samples they cover is shown) exactly,
 * without reading back pixel positions.
 *
 * Because the stacks come sorted by names, the tree is built in one pass
 * (a frame's node is the parent's last child or a new one), and its nodes
 * are created in depth-first order, so offsets come from a forward scan.
 * Names are escaped for XML; bytes that are not valid UTF-8 and control
 * characters become '?', so the document always parses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

#define IMG_WIDTH    1200
#define X_PAD	     10
#define FRAME_HEIGHT 16
#define TOP_PAD	     50
#define BOTTOM_PAD   30
#define FONT_SIZE    12
#define FONT_WIDTH   0.59 /* average glyph width per font-size unit */
#define MIN_FRACTION 0.001

struct node {
	const char *name;
	uint64_t total;
	size_t parent, last_child; /* 0: none (node 0 is the root) */
	uint64_t offset, cursor;   /* in samples, from the left */
	unsigned depth;
};

struct tree {
	struct node *nodes;
	size_t nr, cap;
	bool nomem;
};

static size_t new_node(struct tree *t, size_t parent, const char *name)
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (!nodes) {
			t->nomem = true;
			return 0;
		}
		t->nodes = nodes;
		t->cap = cap;
	}
	t->nodes[t->nr] = (struct node){
		.name = name,
		.parent = parent,
		.depth = t->nr ? t->nodes[parent].depth + 1 : 0,
	};
	if (t->nr)
		t->nodes[parent].last_child = t->nr;
	return t->nr++;
}

static void add_stack(const struct prof_named_stack *stack, void *arg)
{
	struct tree *t = arg;
	size_t cur = 0;

	if (t->nomem)
		return;
	t->nodes[0].total += stack->count;
	for (unsigned i = 0; i < stack->nframes; i++) {
		size_t child = t->nodes[cur].last_child;

		if (!child || t->nodes[child].name != stack->frames[i]) {
			child = new_node(t, cur, stack->frames[i]);
			if (t->nomem)
				return;
		}
		t->nodes[child].total += stack->count;
		cur = child;
	}
}

/* Valid UTF-8 that XML also accepts (not the noncharacters U+FFFE/U+FFFF). */
static int utf8_len(const unsigned char *p)
{
	int len = prof_utf8_len(p);
	if (len == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;
	return len;
}

/* Characters in @s as put_xml() counts them. */
static size_t xml_chars(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
		int len = utf8_len(p);

		p += len ? len : 1;
	}
	return n;
}

/* Writes up to @max characters of @s, escaped for XML text and attributes. */
static void put_xml(FILE *out, const char *s, size_t max)
{
	for (const unsigned char *p = (const unsigned char *)s; *p && max; max--) {
		int len = utf8_len(p);

		if (!len) {
			putc('?', out);
			p++;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			if (*p < 0x20)
				putc('?', out);
			else
				fwrite(p, 1, len, out);
		}
		p += len;
	}
}

/* The label that fits @width pixels: the name, cut with "..", or nothing. */
static void put_label(FILE *out, const char *name, double width)
{
	double fit = (width - 3) / (FONT_SIZE * FONT_WIDTH);
	size_t chars = fit > 0 ? (size_t)fit : 0;

	if (chars < 3)
		return;
	if (xml_chars(name) <= chars) {
		put_xml(out, name, chars);
		return;
	}
	put_xml(out, name, chars - 2);
	fputs("..", out);
}

static void put_colour(FILE *out, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	h ^= h >> 29;
	fprintf(out, "rgb(%u,%u,%u)", 205 + (unsigned)((h >> 16) & 0xff) * 50 / 255,
		(unsigned)(h & 0xff) * 230 / 255, (unsigned)((h >> 8) & 0xff) * 55 / 255);
}

static const char script[] =
	"var svg = document.documentElement, frames = [], zoomed = null, term = null;\n"
	"var W = IMG_W, XP = X_PAD, FW = FONT_W;\n"
	"function el(id) { return document.getElementById(id); }\n"
	"function label(f, w) {\n"
	"\tvar n = Math.floor((w - 3) / FW);\n"
	"\tif (n < 3) return '';\n"
	"\treturn f.name.length <= n ? f.name : f.name.substring(0, n - 2) + '..';\n"
	"}\n"
	"function place(f, x, w) {\n"
	"\tf.g.style.display = '';\n"
	"\tf.rect.setAttribute('x', x.toFixed(2));\n"
	"\tf.rect.setAttribute('width', w.toFixed(2));\n"
	"\tif (f.text) {\n"
	"\t\tf.text.setAttribute('x', (x + 3).toFixed(2));\n"
	"\t\tf.text.textContent = label(f, w);\n"
	"\t}\n"
	"}\n"
	"function zoom(z) {\n"
	"\tvar scale = (W - 2 * XP) / z.s;\n"
	"\tzoomed = z;\n"
	"\tframes.forEach(function (f) {\n"
	"\t\tif (f.d < z.d && f.o <= z.o && f.o + f.s >= z.o + z.s)\n"
	"\t\t\tplace(f, XP, W - 2 * XP);\n"
	"\t\telse if (f.d >= z.d && f.o >= z.o && f.o + f.s <= z.o + z.s)\n"
	"\t\t\tplace(f, XP + (f.o - z.o) * scale, f.s * scale);\n"
	"\t\telse\n"
	"\t\t\tf.g.style.display = 'none';\n"
	"\t});\n"
	"\tel('unzoom').style.opacity = 1;\n"
	"}\n"
	"function unzoom() {\n"
	"\tzoomed = null;\n"
	"\tframes.forEach(function (f) { place(f, f.x, f.w); });\n"
	"\tel('unzoom').style.opacity = 0;\n"
	"}\n"
	"function search(t) {\n"
	"\tvar re, spans = [], covered = 0, end = -1;\n"
	"\tframes.forEach(function (f) { f.rect.setAttribute('fill', f.fill); });\n"
	"\tterm = t;\n"
	"\tif (!t) {\n"
	"\t\tel('matched').textContent = '';\n"
	"\t\treturn;\n"
	"\t}\n"
	"\ttry { re = new RegExp(t); } catch (e) { alert('Bad regular expression: ' + e); return; "
	"}\n"
	"\tframes.forEach(function (f) {\n"
	"\t\tif (!re.test(f.name)) return;\n"
	"\t\tf.rect.setAttribute('fill', 'rgb(230,0,230)');\n"
	"\t\tspans.push(f);\n"
	"\t});\n"
	"\t/* Samples under any match, nested matches counted once. */\n"
	"\tspans.sort(function (a, b) { return a.o - b.o || b.s - a.s; });\n"
	"\tspans.forEach(function (f) {\n"
	"\t\tif (f.o >= end) { covered += f.s; end = f.o + f.s; }\n"
	"\t});\n"
	"\tel('matched').textContent = 'Matched: ' +\n"
	"\t\t(TOTAL ? 100 * covered / TOTAL : 0).toFixed(1) + '%';\n"
	"}\n"
	"function ask() {\n"
	"\tvar t = prompt('Search for (regular expression, empty to clear):', term || '');\n"
	"\tif (t !== null) search(t);\n"
	"}\n"
	"Array.prototype.forEach.call(document.getElementsByTagName('g'), function (g) {\n"
	"\tif (g.getAttribute('class') !== 'f') return;\n"
	"\tvar t = g.getElementsByTagName('title')[0].textContent;\n"
	"\tvar r = g.getElementsByTagName('rect')[0];\n"
	"\tvar f = { g: g, rect: r, text: g.getElementsByTagName('text')[0],\n"
	"\t\tname: t.substring(0, t.lastIndexOf(' (')), fill: r.getAttribute('fill'),\n"
	"\t\to: +g.getAttribute('data-o'), s: +g.getAttribute('data-s'),\n"
	"\t\td: +g.getAttribute('data-d'),\n"
	"\t\tx: +r.getAttribute('x'), w: +r.getAttribute('width') };\n"
	"\tg.addEventListener('click', function () { zoom(f); });\n"
	"\tg.addEventListener('mouseover', function () { el('details').textContent = t; });\n"
	"\tg.addEventListener('mouseout', function () { el('details').textContent = ' '; });\n"
	"\tframes.push(f);\n"
	"});\n"
	"el('unzoom').addEventListener('click', unzoom);\n"
	"el('search').addEventListener('click', ask);\n"
	"window.addEventListener('keydown', function (e) {\n"
	"\tif ((e.ctrlKey || e.metaKey) && e.key === 'f') { e.preventDefault(); ask(); }\n"
	"\telse if (e.key === 'Escape') { if (zoomed) unzoom(); else search(null); }\n"
	"});\n";

static void write_svg(const struct tree *t, FILE *out, const char *title)
{
	uint64_t total = t->nr ? t->nodes[0].total : 0;
	double scale = total ? (double)(IMG_WIDTH - 2 * X_PAD) / (double)total : 0;
	unsigned max_depth = 0;

	for (size_t i = 0; i < t->nr; i++)
		if ((double)t->nodes[i].total >= MIN_FRACTION * (double)total &&
		    t->nodes[i].depth > max_depth)
			max_depth = t->nodes[i].depth;

	unsigned height = TOP_PAD + (max_depth + 1) * FRAME_HEIGHT + BOTTOM_PAD;

	fprintf(out,
		"<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n"
		"<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %upx; fill: rgb(0,0,0); }\n"
		"g.f text { pointer-events: none; }\n"
		"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; cursor: pointer; }\n"
		"#search, #unzoom { cursor: pointer; }\n"
		"</style>\n"
		"<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"rgb(248,248,240)\"/>\n"
		"<text x=\"%u\" y=\"24\" text-anchor=\"middle\" style=\"font-size: 17px\">",
		IMG_WIDTH, height, IMG_WIDTH, height, FONT_SIZE, IMG_WIDTH, height, IMG_WIDTH / 2);
	put_xml(out, title ? title : "Flame Graph", SIZE_MAX);
	fprintf(out,
		"</text>\n"
		"<text id=\"unzoom\" x=\"%u\" y=\"24\" style=\"opacity: 0\">Reset Zoom</text>\n"
		"<text id=\"search\" x=\"%u\" y=\"24\" text-anchor=\"end\">Search</text>\n"
		"<text id=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"></text>\n"
		"<text id=\"details\" x=\"%u\" y=\"%u\"> </text>\n",
		X_PAD, IMG_WIDTH - X_PAD, IMG_WIDTH - X_PAD, height - 10, X_PAD, height - 10);
	if (!total)
		fprintf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">No samples</text>\n",
			IMG_WIDTH / 2, height / 2);

	for (size_t i = 0; total && i < t->nr; i++) {
		const struct node *n = &t->nodes[i];

		if ((double)n->total < MIN_FRACTION * (double)total)
			continue;

		double x = X_PAD + (double)n->offset * scale, w = (double)n->total * scale;
		unsigned y = height - BOTTOM_PAD - (n->depth + 1) * FRAME_HEIGHT;

		fprintf(out,
			"<g class=\"f\" data-o=\"%" PRIu64 "\" data-s=\"%" PRIu64
			"\" data-d=\"%u\"><title>",
			n->offset, n->total, n->depth);
		put_xml(out, n->name, SIZE_MAX);
		fprintf(out,
			" (%" PRIu64 " samples, %.2f%%)</title><rect x=\"%.2f\" y=\"%u\" "
			"width=\"%.2f\" height=\"%u\" fill=\"",
			n->total, 100.0 * (double)n->total / (double)total, x, y, w,
			FRAME_HEIGHT - 1);
		put_colour(out, n->name);
		fprintf(out, "\" rx=\"2\" ry=\"2\"/><text x=\"%.2f\" y=\"%u\">", x + 3,
			y + FRAME_HEIGHT - 4);
		put_label(out, n->name, w);
		fputs("</text></g>\n", out);
	}

	fprintf(out,
		"<script type=\"text/ecmascript\"><![CDATA[\n"
		"var IMG_W = %u, X_PAD = %u, FONT_W = %.2f, TOTAL = %" PRIu64 ";\n",
		IMG_WIDTH, X_PAD, FONT_SIZE * FONT_WIDTH, total);
	fputs(script, out);
	fputs("]]></script>\n</svg>\n", out);
}

int prof_write_flame_svg(const struct prof_stacks *set, FILE *out, const char *title)
{
	struct tree t = { 0 };

	new_node(&t, 0, "all");
	if (!t.nomem)
		prof_stacks_foreach(set, add_stack, &t);
	if (t.nomem) {
		free(t.nodes);
		return prof_fail(ENOMEM, "out of memory for the flame graph");
	}

	/* Nodes are in depth-first order: a parent precedes its children. */
	for (size_t i = 1; i < t.nr; i++) {
		struct node *n = &t.nodes[i], *p = &t.nodes[n->parent];

		n->offset = n->cursor = p->cursor;
		p->cursor += n->total;
	}

	errno = 0;
	write_svg(&t, out, title);
	free(t.nodes);
	if (fflush(out) || ferror(out))
		return prof_fail(EIO, "writing the flame graph: %s", strerror(errno ? errno : EIO));
	return 0;
}
