-- SPDX-License-Identifier: MIT
-- A SQL script that the sqlite3 shell runs in an Ember guest and on the host
-- (tests/guest/test_sqlite.py, the Xen rig): the outputs must be identical
-- byte for byte and the database must pass PRAGMA integrity_check on the
-- host. Deterministic by construction: no random(), no clock. @ROWS@, @BIG@
-- and @DOCS@ are filled in by sqlite_host.py (smaller under Xen, whose 9p
-- round trips are slow: the full script makes about 33,000 of them).
.output /sqlite-out.txt
.headers on
.mode list
PRAGMA page_size = 4096;
PRAGMA journal_mode = DELETE;
CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT NOT NULL, grp INTEGER, price REAL, note BLOB);
CREATE INDEX item_grp ON item(grp, price);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @ROWS@)
INSERT INTO item(id, name, grp, price, note)
  SELECT i, printf('item-%06d', (i * 7919) % @ROWS@), i % 97, (i * 31 % 1000) / 7.0,
         zeroblob(i % 300)
  FROM n;
COMMIT;
SELECT count(*), sum(grp), printf('%.4f', sum(price)), sum(length(note)) FROM item;
SELECT grp, count(*) AS n, printf('%.3f', avg(price)) AS avg_price, min(name), max(name)
  FROM item GROUP BY grp ORDER BY grp LIMIT 10;
CREATE TABLE grp_name(grp INTEGER PRIMARY KEY, label TEXT);
INSERT INTO grp_name SELECT DISTINCT grp, 'group ' || hex(grp * 3) FROM item;
SELECT g.label, count(*), max(i.price) FROM item i JOIN grp_name g USING (grp)
  WHERE i.price BETWEEN 10 AND 20 GROUP BY g.label ORDER BY count(*) DESC, g.label LIMIT 5;
SELECT id, name, rank() OVER (PARTITION BY grp ORDER BY price DESC, id) AS r
  FROM item WHERE grp = 42 ORDER BY r, id LIMIT 8;
UPDATE item SET price = price * 2 WHERE grp % 5 = 0;
DELETE FROM item WHERE id % 3 = 0;
SELECT count(*), printf('%.4f', total(price)) FROM item;
SELECT json_object('n', count(*), 'groups', json_group_array(DISTINCT grp))
  FROM (SELECT grp FROM item WHERE grp < 8 ORDER BY grp);
CREATE VIRTUAL TABLE doc USING fts4(body);
INSERT INTO doc(body) SELECT 'the ' || name || ' costs ' || CAST(price AS INT) FROM item LIMIT @DOCS@;
SELECT count(*) FROM doc WHERE doc MATCH 'costs';
CREATE TABLE big(k INTEGER PRIMARY KEY, v TEXT);
INSERT INTO big SELECT id, substr(hex(zeroblob(2000)) || name, 1, 3000) FROM item WHERE id < @BIG@;
SELECT count(*), sum(length(v)) FROM big;
VACUUM;
PRAGMA integrity_check;
.mode csv
SELECT * FROM item ORDER BY id LIMIT 5;
.mode box
SELECT grp, label FROM grp_name ORDER BY grp LIMIT 3;
.output stdout
