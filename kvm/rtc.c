// SPDX-License-Identifier: MIT
/*
 * plat_wallclock_ns() on QEMU/KVM: the CMOS real-time clock, read once per
 * call between two update-in-progress checks (bounded), BCD or binary and
 * 12- or 24-hour as register B says, to whole seconds.
 */
#include <ember/platform.h>
#include <ember/time.h>
#include <arch/x86.h>

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71
#define RTC_RETRIES 1000
#define YEAR_2000_S 946684800ull

static uint8_t cmos(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10u + (v & 15u);
}

/* Days from 1970-01-01 to @y-@m-@d (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned y, unsigned m, unsigned d)
{
	y -= m <= 2;
	unsigned era = y / 400, yoe = y - era * 400;
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (uint64_t)era * 146097 + doe - 719468;
}

uint64_t plat_wallclock_ns(void)
{
	uint8_t r[7];
	for (int i = 0;; i++) {
		if (i == RTC_RETRIES)
			return 0;
		if (cmos(0x0a) & 0x80)
			continue; /* an update is in progress */
		static const uint8_t regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };
		for (int k = 0; k < 7; k++)
			r[k] = cmos(regs[k]);
		if (!(cmos(0x0a) & 0x80) && r[0] == cmos(0x00))
			break;
	}
	uint8_t b = cmos(0x0b);
	bool binary = b & 4, h24 = b & 2;
	unsigned sec = bcd(r[0], binary), min = bcd(r[1], binary);
	unsigned hour = bcd(r[2] & 0x7f, binary), day = bcd(r[3], binary);
	unsigned mon = bcd(r[4], binary), year = bcd(r[5], binary), cent = bcd(r[6], binary);
	if (!h24 && (r[2] & 0x80))
		hour = hour % 12 + 12;
	else if (!h24)
		hour %= 12;
	year += (cent >= 19 && cent <= 23 ? cent : 20) * 100;
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return 0;
	uint64_t s = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	return s >= YEAR_2000_S ? s * NSEC_PER_SEC : 0;
}
