// SPDX-License-Identifier: MIT
/*
 * Suite "names": the names and shapes of trees that break filesystems.
 * Everything is made under /guest/names, and the host checks the same
 * names and contents afterwards (tests/guest/test_fs.py):
 *   spaces, UTF-8 (accents, CJK, an emoji), a name of exactly 255 bytes,
 *   a 64-level deep path (walks of more than 16 components), and 10,000
 *   files in one directory, listed back with getdents64 and stat'ed.
 */
#include <ember/errno.h>
#include <ember/format.h>
#include <ember/heap.h>
#include <ember/string.h>
#include <ember/test.h>
#include <ember/vfs.h>
#include "fs_util.h"

#define MANY_FILES  10000
#define DEEP_LEVELS 64

static const char *const odd_names[] = {
	"a file with spaces.txt",
	" leading and trailing ",
	"Gr\xc3\xbc\xc3\x9f"
	"e-\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e-\xf0\x9f\x99\x82.txt",
	"semi;colon,comma'quote\"dq",
	"-starts-with-dash",
};

TEST(names, odd_names_round_trip)
{
	ASSERT_EQ(vfs_mkdir("/guest/names", 0755), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(odd_names); i++) {
		char path[300];
		snprintf(path, sizeof(path), "/guest/names/%s", odd_names[i]);
		EXPECT_EQ(fs_write_file(path, odd_names[i], strlen(odd_names[i])), 0);
		char buf[64];
		EXPECT_EQ(fs_read_file(path, buf, sizeof(buf)), (long)strlen(odd_names[i]));
		EXPECT_TRUE(fs_dir_has("/guest/names", odd_names[i]));
	}
}

TEST(names, name_of_255_bytes)
{
	char path[300] = "/guest/names/";
	size_t base = strlen(path);
	memset(path + base, 'L', NAME_MAX);
	path[base + NAME_MAX] = '\0';
	EXPECT_EQ(fs_write_file(path, "255", 3), 0);
	struct stat st;
	EXPECT_EQ(vfs_stat(path, &st), 0);
	EXPECT_EQ(st.st_size, 3);
	EXPECT_TRUE(fs_dir_has("/guest/names", path + base));
	path[base + NAME_MAX] = 'L';
	path[base + NAME_MAX + 1] = '\0';
	EXPECT_EQ(fs_write_file(path, "256", 3), -ENAMETOOLONG);
}

/* Appends "/level-NN" for levels [from, to) to @path at @len; returns the new length. */
static size_t add_levels(char *path, size_t len, int from, int to)
{
	for (int i = from; i < to; i++)
		len += (size_t)snprintf(path + len, PATH_MAX - len, "%slevel-%02d", len ? "/" : "",
					i);
	return len;
}

TEST(names, deep_path)
{
	char *path = malloc(PATH_MAX), *rel = malloc(PATH_MAX);
	ASSERT_NOT_NULL(path);
	ASSERT_NOT_NULL(rel);
	size_t len = (size_t)snprintf(path, PATH_MAX, "/guest/names/deep");
	EXPECT_EQ(vfs_mkdir(path, 0755), 0);
	for (int i = 0; i < DEEP_LEVELS; i++) {
		len = add_levels(path, len, i, i + 1);
		EXPECT_EQ(vfs_mkdir(path, 0755), 0);
	}
	snprintf(path + len, PATH_MAX - len, "/bottom.txt");
	EXPECT_EQ(fs_write_file(path, "bottom", 6), 0);
	char buf[8];
	EXPECT_EQ(fs_read_file(path, buf, sizeof(buf)), 6);
	/* the same file by a relative path from halfway down */
	len = add_levels(path, (size_t)snprintf(path, PATH_MAX, "/guest/names/deep"), 0,
			 DEEP_LEVELS / 2);
	EXPECT_EQ(vfs_chdir(path), 0);
	size_t rlen = add_levels(rel, 0, DEEP_LEVELS / 2, DEEP_LEVELS);
	snprintf(rel + rlen, PATH_MAX - rlen, "/bottom.txt");
	EXPECT_EQ(fs_read_file(rel, buf, sizeof(buf)), 6);
	EXPECT_EQ(vfs_getcwd(rel, PATH_MAX), (long)len);
	EXPECT_STREQ(rel, path);
	EXPECT_EQ(vfs_chdir("/"), 0);
	free(path);
	free(rel);
}

TEST(names, ten_thousand_files_in_one_directory)
{
	ASSERT_EQ(vfs_mkdir("/guest/names/many", 0755), 0);
	char path[64], body[16];
	for (int i = 0; i < MANY_FILES; i++) {
		snprintf(path, sizeof(path), "/guest/names/many/f%05d", i);
		int n = snprintf(body, sizeof(body), "%d\n", i);
		int err = fs_write_file(path, body, (size_t)n);
		if (err) {
			EXPECT_EQ(err, 0);
			return;
		}
	}
	/* listed back: every entry once, with . and .. */
	EXPECT_EQ(fs_count_entries("/guest/names/many", 32768), MANY_FILES + 2);
	EXPECT_EQ(fs_count_entries("/guest/names/many", 1024), MANY_FILES + 2);
	static const int probes[] = { 0, 1, 4999, 9998, 9999 };
	for (unsigned k = 0; k < ARRAY_SIZE(probes); k++) {
		snprintf(path, sizeof(path), "/guest/names/many/f%05d", probes[k]);
		struct stat st;
		EXPECT_EQ(vfs_stat(path, &st), 0);
		int n = snprintf(body, sizeof(body), "%d\n", probes[k]);
		EXPECT_EQ(st.st_size, n);
	}
	EXPECT_EQ(fs_fids_in_use(), 1);
}
