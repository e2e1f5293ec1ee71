/* test-fsx.c — unit tests for engine/fsx: the glibc generator clone, fsx's
 * data pattern, the op-file reader and importer (checked byte for byte by a
 * reference replay against the hashes of files written by the real fsx), and
 * the generator behind `generate:`. */
#include "engine/fsx/fsx.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#define STD_SHA256 "d306cd50a2f180c29f24f9b79195395ee6f4953172694931f9a64fe48064ffba"
#define LITE_SHA256 "06364a2cab5de0ebee3b5afeaaf144a1e0ed68c2017b14e2c1332edd27276286"
#define G127_SEED 191110531
#define G127_LENGTH 262144

/* Recorded by the real fsx (see docs/fsx.md); verbatim copies of
 * ../shared/fsx-examples/g127-{std,lite}-mmap-seed191110531-n200.fsxops (relative to the
 * project root). */
static const char example_std[] =
  "skip collapse_range 0x3d6a5000 0xf000 0x0\n"
  "zero_range 0x13e95 0xd656 0x0\n"
  "write 0x25adc 0x497 0x214eb\n"
  "write 0xdcef 0x411c 0x25f73\n"
  "skip write_atomic 0x5254ffa3 0x2d07 0x25f73\n"
  "write 0xdf74 0x948c 0x25f73\n"
  "write 0x4c56 0x408d 0x25f73\n"
  "read 0x31d3 0xeb32 0x25f73\n"
  "mapread 0x1ac9e 0xb2d5 0x25f73\n"
  "mapread 0x5d66 0xdd2d 0x25f73\n"
  "skip exchange_range 0x3000 0xd000 0x10000 0x25f73\n"
  "insert_range 0x5000 0x1000 0x25f73\n"
  "skip clone_range 0x0 0x7000 0x2b000 0x26f73\n"
  "collapse_range 0xc000 0x4000 0x26f73\n"
  "skip clone_range 0x14000 0xc000 0x33000 0x22f73\n"
  "mapwrite 0x16ae3 0x5d68 0x22f73\n"
  "skip exchange_range 0xf000 0x4000 0x7000 0x22f73\n"
  "zero_range 0x4e4e 0x5c06 0x22f73 keep_size\n"
  "skip clone_range 0xb000 0x8000 0x2a000 0x22f73\n"
  "mapread 0x1b756 0x6722 0x22f73\n"
  "collapse_range 0x21000 0x1000 0x22f73\n"
  "skip exchange_range 0xe000 0x6000 0x1000 0x21f73\n"
  "zero_range 0x29fb2 0xcab8 0x21f73\n"
  "punch_hole 0x1fdf8 0x16f0 0x36a6a\n"
  "mapread 0x1516b 0x11dc 0x36a6a\n"
  "write 0xa1d7 0x5cc7 0x36a6a\n"
  "skip clone_range 0x1b000 0xb000 0x2f000 0x36a6a\n"
  "skip write_atomic 0x7f3bd22f 0x398a 0x36a6a\n"
  "mapwrite 0xd851 0xc835 0x36a6a\n"
  "skip write_atomic 0x7bce3ba5 0x6206 0x36a6a\n"
  "zero_range 0x25594 0x4148 0x36a6a\n"
  "truncate 0x0 0x1a109 0x36a6a\n"
  "mapwrite 0x15543 0x77a7 0x1a109\n"
  "write 0x2cf2a 0xcda8 0x1ccea\n"
  "skip dedupe_range 0x30000 0x6000 0x17000 0x39cd2\n"
  "skip exchange_range 0x17000 0x0 0x31000 0x39cd2\n"
  "skip exchange_range 0x1b000 0x3000 0x20000 0x39cd2\n"
  "punch_hole 0x2fc10 0x28da 0x39cd2\n"
  "punch_hole 0x285ce 0xf137 0x39cd2\n"
  "punch_hole 0x2e2af 0x2798 0x39cd2\n"
  "truncate 0x0 0x3972f 0x39cd2\n"
  "fallocate 0x14178 0x43e2 0x3972f\n"
  "skip dedupe_range 0x2b000 0x2000 0x35000 0x3972f\n"
  "skip clone_range 0x4000 0xd000 0x2d000 0x3972f\n"
  "mapread 0xbf5d 0xd80a 0x3972f\n"
  "collapse_range 0x22000 0x7000 0x3972f\n"
  "skip exchange_range 0x27000 0xb000 0x2000 0x3272f\n"
  "read 0x2d010 0x571f 0x3272f\n"
  "punch_hole 0x1c10f 0x436a 0x3272f\n"
  "collapse_range 0x24000 0xd000 0x3272f\n"
  "zero_range 0x39f3c 0x60c4 0x2572f keep_size\n"
  "truncate 0x0 0x378ef 0x2572f\n"
  "punch_hole 0x23de4 0x67f6 0x378ef\n"
  "insert_range 0x2b000 0x7000 0x378ef\n"
  "mapwrite 0x1121d 0x7954 0x3e8ef\n"
  "zero_range 0x16e2f 0x9c65 0x3e8ef\n"
  "write 0x162b 0x1e16 0x3e8ef\n"
  "punch_hole 0x6df0 0xd50a 0x3e8ef\n"
  "copy_range 0x17f45 0x78e0 0x22bb7 0x3e8ef\n"
  "truncate 0x0 0x2ef3a 0x3e8ef\n"
  "truncate 0x0 0x50c5 0x2ef3a\n"
  "write 0xd908 0xe4ef 0x50c5\n"
  "mapwrite 0x304d7 0xe28b 0x1bdf7\n"
  "insert_range 0x1b000 0x1000 0x3e762\n"
  "mapwrite 0x18524 0x7843 0x3f762\n"
  "skip clone_range 0x3d000 0x1000 0x28000 0x3f762\n"
  "skip clone_range 0x14000 0x1000 0x1000 0x3f762\n"
  "skip dedupe_range 0x37000 0x2000 0x2d000 0x3f762\n"
  "collapse_range 0x29000 0xf000 0x3f762\n"
  "read 0x12949 0x6e84 0x30762\n"
  "insert_range 0x24000 0x8000 0x30762\n"
  "mapread 0x1e876 0xab27 0x38762\n"
  "insert_range 0x32000 0x7000 0x38762\n"
  "skip insert_range 0x30000 0x0 0x3f762\n"
  "skip dedupe_range 0x39000 0x5000 0x17000 0x3f762\n"
  "collapse_range 0x14000 0xc000 0x3f762\n"
  "skip dedupe_range 0x1e000 0xc000 0x5000 0x33762\n"
  "write 0x37f5b 0x80a5 0x33762\n"
  "skip clone_range 0x3a000 0x5000 0x1a000 0x40000\n"
  "skip clone_range 0x37000 0x8000 0xd000 0x40000\n"
  "write 0x332e1 0x5492 0x40000\n"
  "write 0x2da31 0x5387 0x40000\n"
  "skip write_atomic 0x6bac0f8c 0x7ea6 0x40000\n"
  "read 0x2e91f 0xf403 0x40000\n"
  "read 0x1ca5f 0x8a7 0x40000\n"
  "skip write_atomic 0x66f4e057 0x3574 0x40000\n"
  "skip write_atomic 0x487a6b80 0x206d 0x40000\n"
  "zero_range 0x15b16 0xf030 0x40000 keep_size\n"
  "skip insert_range 0x1000 0x0 0x40000\n"
  "mapwrite 0x2843d 0x6c76 0x40000\n"
  "read 0x1b71e 0xc108 0x40000\n"
  "collapse_range 0x9000 0x1000 0x40000\n"
  "skip exchange_range 0x2d000 0x1000 0x31000 0x3f000\n"
  "fallocate 0x13a1f 0x596c 0x3f000\n"
  "mapread 0x2d97 0xc8f 0x3f000\n"
  "skip clone_range 0xc000 0x2000 0x8000 0x3f000\n"
  "write 0x1fb47 0xd5ed 0x3f000\n"
  "fallocate 0x21db6 0xf79f 0x3f000\n"
  "collapse_range 0x16000 0xb000 0x3f000\n"
  "collapse_range 0xa000 0xf000 0x34000\n"
  "mapread 0x136e8 0x8cb5 0x25000\n"
  "insert_range 0x16000 0x9000 0x25000\n"
  "write 0x1bf 0xa71f 0x2e000\n"
  "skip write_atomic 0x26495619 0x36fb 0x2e000\n"
  "skip exchange_range 0x24000 0x7000 0x1a000 0x2e000\n"
  "truncate 0x0 0x22a03 0x2e000\n"
  "write 0x43f9 0x2f94 0x22a03\n"
  "skip clone_range 0x16000 0xc000 0x28000 0x22a03\n"
  "punch_hole 0x3cad 0x57e5 0x22a03\n"
  "mapwrite 0x1df3d 0xe49b 0x22a03\n"
  "read 0x26d39 0x482 0x2c3d8\n"
  "skip clone_range 0x8000 0xa000 0x2f000 0x2c3d8\n"
  "skip clone_range 0xe000 0x1000 0x36000 0x2c3d8\n"
  "read 0xc216 0x4d1f 0x2c3d8\n"
  "skip clone_range 0x18000 0x9000 0x9000 0x2c3d8\n"
  "collapse_range 0x6000 0x7000 0x2c3d8\n"
  "skip exchange_range 0x1000 0x3000 0xc000 0x253d8\n"
  "copy_range 0x20371 0x1d56 0x27143 0x253d8\n"
  "read 0x112fa 0x568e 0x28e99\n"
  "skip exchange_range 0x25000 0x3000 0x21000 0x28e99\n"
  "truncate 0x0 0x1d445 0x28e99\n"
  "fallocate 0x1084f 0x444d 0x1d445 keep_size\n"
  "zero_range 0x4c7a 0xd7c6 0x1d445 keep_size\n"
  "mapwrite 0x37f72 0x808e 0x1d445\n"
  "mapread 0x37080 0x8f80 0x40000\n"
  "write 0x2bb17 0xef52 0x40000\n"
  "read 0x20f2 0x176f 0x40000\n"
  "punch_hole 0x39deb 0x6215 0x40000\n"
  "skip exchange_range 0x3b000 0x4000 0x10000 0x40000\n"
  "skip exchange_range 0xc000 0x0 0xe000 0x40000\n"
  "mapread 0x18cc1 0x2d2f 0x40000\n"
  "skip exchange_range 0x6000 0x9000 0x30000 0x40000\n"
  "skip dedupe_range 0x36000 0x8000 0x1000 0x40000\n"
  "skip write_atomic 0x1843e30f 0xc030 0x40000\n"
  "skip exchange_range 0x3f000 0x0 0x1b000 0x40000\n"
  "skip insert_range 0x30000 0x0 0x40000\n"
  "write 0x3f84c 0x7b4 0x40000\n"
  "write 0xff53 0xc5 0x40000\n"
  "skip exchange_range 0x18000 0xe000 0x28000 0x40000\n"
  "read 0x5bb6 0xe249 0x40000\n"
  "mapread 0x472 0xf05 0x40000\n"
  "read 0x929e 0x6fde 0x40000\n"
  "skip dedupe_range 0xa000 0x3000 0x24000 0x40000\n"
  "read 0xf8b0 0xfa40 0x40000\n"
  "copy_range 0x2ad08 0x4bcb 0x10254 0x40000\n"
  "write 0x106ff 0x2c43 0x40000\n"
  "collapse_range 0x14000 0xb000 0x40000\n"
  "write 0x21fe4 0x4d17 0x35000\n"
  "insert_range 0x2f000 0xa000 0x35000\n"
  "read 0x2600c 0xbe65 0x3f000\n"
  "read 0x32aa 0x2e42 0x3f000\n"
  "mapread 0x28a31 0x674c 0x3f000\n"
  "skip write_atomic 0xc547de3 0x6aab 0x3f000\n"
  "skip exchange_range 0xe000 0x5000 0x29000 0x3f000\n"
  "read 0x46b0 0x7fb0 0x3f000\n"
  "insert_range 0xa000 0x1000 0x3f000\n"
  "mapwrite 0x1ae1f 0x6bb9 0x40000\n"
  "skip exchange_range 0x3c000 0x3000 0x31000 0x40000\n"
  "read 0x3de1a 0x21e6 0x40000\n"
  "zero_range 0x3cd82 0x327e 0x40000 keep_size\n"
  "punch_hole 0x1db4b 0x95a1 0x40000\n"
  "write 0xd894 0x72f 0x40000\n"
  "collapse_range 0x23000 0xf000 0x40000\n"
  "insert_range 0x28000 0x4000 0x31000\n"
  "punch_hole 0x11807 0xd718 0x35000\n"
  "mapwrite 0x36f61 0x8477 0x35000\n"
  "skip clone_range 0x11000 0x1000 0x21000 0x3f3d8\n"
  "skip clone_range 0x13000 0xf000 0x27000 0x3f3d8\n"
  "punch_hole 0xd18c 0x457f 0x3f3d8\n"
  "copy_range 0xbecf 0x5e44 0x1bdf7 0x3f3d8\n"
  "truncate 0x0 0x4f6d 0x3f3d8\n"
  "copy_range 0x13c5 0x3ba8 0xc372 0x4f6d\n"
  "skip dedupe_range 0x8000 0x7000 0x1000 0xff1a\n"
  "collapse_range 0xa000 0x3000 0xff1a\n"
  "mapread 0x77d9 0x453c 0xcf1a\n"
  "truncate 0x0 0x2853b 0xcf1a\n"
  "read 0x10f77 0x45eb 0x2853b\n"
  "copy_range 0xc8d7 0x675c 0x2d834 0x2853b\n"
  "fallocate 0x345d0 0xba30 0x33f90\n"
  "skip dedupe_range 0x2e000 0x9000 0x19000 0x40000\n"
  "fallocate 0x15e2a 0x1f3a 0x40000\n"
  "mapwrite 0x2ff5e 0xe82 0x40000\n"
  "skip dedupe_range 0x15000 0x1000 0x2a000 0x40000\n"
  "skip write_atomic 0xcaa0352 0x7f62 0x40000\n"
  "copy_range 0x209ba 0x87d9 0x36427 0x40000\n"
  "fallocate 0x3ef71 0x108f 0x40000 keep_size\n"
  "write 0x636c 0x861 0x40000\n"
  "zero_range 0x2e053 0xf4e0 0x40000\n"
  "punch_hole 0x2552c 0xa32e 0x40000\n"
  "copy_range 0x1548a 0xb1b1 0x2af3b 0x40000\n"
  "mapwrite 0xadce 0x4809 0x40000\n"
  "read 0x180c0 0x8afa 0x40000\n"
  "mapwrite 0x13728 0x13d5 0x40000\n"
  "read 0xda51 0x840d 0x40000\n"
  "fallocate 0xc9c2 0x8e0d 0x40000 keep_size\n"
  "mapread 0x100ad 0x7d79 0x40000\n"
  "mapwrite 0x3e101 0x1eff 0x40000\n"
  "copy_range 0x1f7f 0x671 0x1d957 0x40000\n"
  "write 0x27234 0x8c22 0x40000\n"
  "skip dedupe_range 0x12000 0x5000 0x3b000 0x40000\n";

static const char example_lite[] =
  "read 0x25dcf 0xfc04 0x40000\n"
  "mapwrite 0x13e95 0xd656 0x40000\n"
  "mapread 0x33003 0x375a 0x40000\n"
  "mapwrite 0x2501c 0x949b 0x40000\n"
  "read 0x342ce 0xad4f 0x40000\n"
  "read 0x108e8 0xcacc 0x40000\n"
  "skip write_atomic 0x7ab31107 0x177a 0x40000\n"
  "mapwrite 0x28487 0xd070 0x40000\n"
  "mapread 0x357ba 0xa846 0x40000\n"
  "read 0x2a063 0x27bd 0x40000\n"
  "mapwrite 0x2ddf0 0x4822 0x40000\n"
  "mapwrite 0x2326b 0xadfe 0x40000\n"
  "skip write_atomic 0x10b45c1c 0xb3b2 0x40000\n"
  "mapread 0x9127 0xe14 0x40000\n"
  "skip write_atomic 0xe111fb 0x7f63 0x40000\n"
  "read 0x184ef 0x76f6 0x40000\n"
  "mapwrite 0x31c84 0x8d4a 0x40000\n"
  "mapwrite 0x5d33 0xb26 0x40000\n"
  "write 0x2b69a 0x4571 0x40000\n"
  "mapwrite 0x210de 0x41a2 0x40000\n"
  "skip write_atomic 0x2126f5db 0xc688 0x40000\n"
  "skip write_atomic 0x7733556 0x2f85 0x40000\n"
  "skip write_atomic 0x5a09b771 0x7aed 0x40000\n"
  "mapwrite 0x29468 0x4aeb 0x40000\n"
  "skip write_atomic 0xe904e4e 0x5c06 0x40000\n"
  "write 0x307d7 0x9a28 0x40000\n"
  "read 0x2a0d4 0xecd5 0x40000\n"
  "write 0x28628 0xf 0x40000\n"
  "write 0x19a36 0xfe7c 0x40000\n"
  "skip write_atomic 0x7f57ed5d 0xf604 0x40000\n"
  "mapwrite 0x29fb2 0xcab8 0x40000\n"
  "read 0xf04 0xf89b 0x40000\n"
  "read 0x179e7 0xd602 0x40000\n"
  "read 0x2105e 0x9a47 0x40000\n"
  "write 0x2287 0xda05 0x40000\n"
  "write 0x2f32e 0xc289 0x40000\n"
  "mapread 0x38b3d 0x1e9f 0x40000\n"
  "write 0xfbb9 0x5c0 0x40000\n"
  "mapread 0x1c92b 0x485d 0x40000\n"
  "mapwrite 0x14b4d 0x3662 0x40000\n"
  "write 0x22281 0xf78f 0x40000\n"
  "write 0x32cb9 0x5402 0x40000\n"
  "read 0x29c60 0x79bc 0x40000\n"
  "write 0xcd92 0x9c6c 0x40000\n"
  "write 0x25177 0xca27 0x40000\n"
  "read 0x3a09 0x824f 0x40000\n"
  "skip write_atomic 0x31500c39 0x3bd8 0x40000\n"
  "mapread 0xe48a 0x40c 0x40000\n"
  "write 0x3202f 0xdfd1 0x40000\n"
  "write 0x175c4 0x275a 0x40000\n"
  "write 0x1f625 0x8985 0x40000\n"
  "mapread 0x3972f 0x68d1 0x40000\n"
  "skip write_atomic 0x4a558e37 0x33a1 0x40000\n"
  "read 0x192ae 0x2603 0x40000\n"
  "mapread 0x238fd 0x752c 0x40000\n"
  "read 0x3cf72 0x308e 0x40000\n"
  "write 0x15de3 0xd80a 0x40000\n"
  "write 0x18525 0x72bb 0x40000\n"
  "read 0x2cb60 0xcd44 0x40000\n"
  "mapread 0x2caca 0xe61f 0x40000\n"
  "read 0x170c0 0x334d 0x40000\n"
  "read 0x15cf6 0x7f89 0x40000\n"
  "mapread 0x29e6e 0x436a 0x40000\n"
  "mapread 0x2af11 0xd4f4 0x40000\n"
  "write 0x39f3c 0x60c4 0x40000\n"
  "read 0x19176 0x9d4 0x40000\n"
  "skip write_atomic 0x229378ef 0x49ba 0x40000\n"
  "read 0xe0e2 0xacba 0x40000\n"
  "write 0x2c50a 0xb893 0x40000\n"
  "write 0x2ee92 0x35a2 0x40000\n"
  "mapread 0x2a8c7 0xda4a 0x40000\n"
  "mapread 0x162b 0x1e16 0x40000\n"
  "write 0x26376 0xd50a 0x40000\n"
  "mapwrite 0x2d0a 0x78e0 0x40000\n"
  "read 0x24079 0x2604 0x40000\n"
  "mapwrite 0x2ef3a 0xa69e 0x40000\n"
  "read 0x27357 0xfcfa 0x40000\n"
  "write 0xd908 0xe4ef 0x40000\n"
  "read 0x304d7 0xe28b 0x40000\n"
  "skip write_atomic 0x9c816f5 0xdbde 0x40000\n"
  "mapread 0x18524 0x7843 0x40000\n"
  "mapread 0x1458b 0x413e 0x40000\n"
  "read 0x2ef59 0x89ea 0x40000\n"
  "skip write_atomic 0x1c10c4 0x5e8 0x40000\n"
  "skip write_atomic 0x16da3c7b 0x5b3b 0x40000\n"
  "mapread 0x3ab7b 0x5485 0x40000\n"
  "read 0x2d37 0x6e84 0x40000\n"
  "mapwrite 0x11f92 0x81a3 0x40000\n"
  "write 0x7b0 0xab27 0x40000\n"
  "write 0x3b0f1 0x4f0f 0x40000\n"
  "write 0x2e620 0xf47 0x40000\n"
  "skip write_atomic 0x6cdf17fd 0x634d 0x40000\n"
  "read 0x1a37e 0x33ef 0x40000\n"
  "write 0x12712 0x4497 0x40000\n"
  "write 0x51c9 0x6a38 0x40000\n"
  "read 0x2c2df 0x733c 0x40000\n"
  "write 0x20bcc 0x6977 0x40000\n"
  "mapwrite 0x1a57d 0x96a4 0x40000\n"
  "skip write_atomic 0x78a270d6 0xa77c 0x40000\n"
  "mapwrite 0x332e1 0x5492 0x40000\n"
  "read 0x2da31 0x5387 0x40000\n"
  "mapread 0xf8c 0x7ea6 0x40000\n"
  "read 0x2e91f 0xf403 0x40000\n"
  "write 0x1ca5f 0x8a7 0x40000\n"
  "read 0xe057 0x3574 0x40000\n"
  "read 0x26b80 0x206d 0x40000\n"
  "read 0x15b16 0xf030 0x40000\n"
  "mapread 0x226e 0xa1b3 0x40000\n"
  "write 0x39a92 0x19e7 0x40000\n"
  "mapread 0x2c858 0x3b55 0x40000\n"
  "read 0x1c2b5 0x61db 0x40000\n"
  "read 0x20ecf 0x85bc 0x40000\n"
  "mapwrite 0xf230 0x6834 0x40000\n"
  "write 0x15c31 0x132d 0x40000\n"
  "read 0x35d97 0xc8f 0x40000\n"
  "read 0x132dd 0x2f95 0x40000\n"
  "write 0x2877d 0x7b4e 0x40000\n"
  "mapread 0x388b0 0x7750 0x40000\n"
  "write 0x15608 0x5a03 0x40000\n"
  "write 0x3f734 0x8cc 0x40000\n"
  "read 0x31d26 0xd5e0 0x40000\n"
  "mapread 0x1adfe 0x1d90 0x40000\n"
  "skip write_atomic 0x21d2c1bb 0xd428 0x40000\n"
  "write 0x3fbda 0x426 0x40000\n"
  "read 0x2836d 0xee6c 0x40000\n"
  "write 0x2aa3e 0xe7 0x40000\n"
  "write 0x3332c 0x5843 0x40000\n"
  "mapwrite 0x22a03 0xddf4 0x40000\n"
  "write 0x13441 0x289e 0x40000\n"
  "skip write_atomic 0x1a2c2bb 0x5fbe 0x40000\n"
  "skip write_atomic 0x7a620854 0x57e5 0x40000\n"
  "read 0x1df3d 0xe49b 0x40000\n"
  "mapwrite 0x25701 0x482 0x40000\n"
  "write 0x258c1 0xaba1 0x40000\n"
  "read 0x3aeda 0x5126 0x40000\n"
  "read 0x339a5 0xc65b 0x40000\n"
  "write 0x364a1 0x40f0 0x40000\n"
  "skip write_atomic 0x3dc58ae4 0x78e6 0x40000\n"
  "write 0x1cede 0xa87a 0x40000\n"
  "mapwrite 0x3cb1f 0x34e1 0x40000\n"
  "write 0x24801 0x7785 0x40000\n"
  "skip write_atomic 0xdaf0838 0x342c 0x40000\n"
  "skip write_atomic 0x73541a93 0xa543 0x40000\n"
  "write 0x27143 0xb2fe 0x40000\n"
  "mapread 0x36879 0x7089 0x40000\n"
  "read 0x25dcd 0xea73 0x40000\n"
  "mapread 0x841b 0x5050 0x40000\n"
  "write 0x62e1 0x9d6f 0x40000\n"
  "skip write_atomic 0x27a182cf 0xb00b 0x40000\n"
  "mapwrite 0x139ee 0x6227 0x40000\n"
  "mapwrite 0x37f72 0x808e 0x40000\n"
  "read 0x37080 0x8f80 0x40000\n"
  "write 0x2bb17 0xef52 0x40000\n"
  "read 0x20f2 0x176f 0x40000\n"
  "mapread 0x39deb 0x6215 0x40000\n"
  "write 0x3b56f 0x4a91 0x40000\n"
  "mapread 0x311be 0x7296 0x40000\n"
  "skip write_atomic 0x7d20e603 0xf9cb 0x40000\n"
  "mapread 0x35c42 0x54f9 0x40000\n"
  "read 0x3a8bc 0x5744 0x40000\n"
  "skip write_atomic 0x1de08e2c 0x60d8 0x40000\n"
  "write 0x14e8 0xc92d 0x40000\n"
  "write 0x1c2b 0x4a55 0x40000\n"
  "mapwrite 0x2faf8 0x68d3 0x40000\n"
  "write 0x30a10 0x5046 0x40000\n"
  "write 0x3f84c 0x7b4 0x40000\n"
  "mapwrite 0xff53 0xc5 0x40000\n"
  "mapread 0x183c4 0xe9a8 0x40000\n"
  "mapread 0x31085 0x16d6 0x40000\n"
  "write 0x37474 0x8b8c 0x40000\n"
  "mapwrite 0x27aaf 0x2116 0x40000\n"
  "mapwrite 0x26b39 0x5f3e 0x40000\n"
  "write 0x24e48 0x9f6e 0x40000\n"
  "write 0x23e71 0x86e7 0x40000\n"
  "write 0xacf7 0xc8a8 0x40000\n"
  "write 0x10254 0x5539 0x40000\n"
  "read 0x19c54 0x970b 0x40000\n"
  "read 0x2ff12 0xde6e 0x40000\n"
  "write 0x18d70 0x48d0 0x40000\n"
  "read 0x2ca3d 0x863d 0x40000\n"
  "read 0x3ef68 0x1098 0x40000\n"
  "mapwrite 0x7c62 0x6e30 0x40000\n"
  "write 0x3e1ab 0x1e55 0x40000\n"
  "skip write_atomic 0x6fb0da5b 0x2891 0x40000\n"
  "read 0x38764 0x745d 0x40000\n"
  "read 0x386b0 0x7950 0x40000\n"
  "write 0x8daf 0x2bf2 0x40000\n"
  "write 0x1ae1f 0x6bb9 0x40000\n"
  "read 0x3ce03 0x31fd 0x40000\n"
  "mapread 0x2499d 0x682f 0x40000\n"
  "mapread 0xc9a9 0xa693 0x40000\n"
  "read 0x3dc53 0x23ad 0x40000\n"
  "write 0x39684 0x697c 0x40000\n"
  "mapwrite 0x1467 0xa6cb 0x40000\n"
  "mapread 0x50f5 0x7da7 0x40000\n"
  "write 0x3563d 0x10fb 0x40000\n"
  "read 0x11c8c 0x4412 0x40000\n"
  "write 0x2a335 0x17af 0x40000\n"
  "write 0x16dfc 0xf57b 0x40000\n"
  "read 0x8d68 0xf44a 0x40000\n";

/* ---- glibc random ------------------------------------------------------- */

static void
test_fsx_glibc_known_values (void)
{
  VmemuGlibcRandom r;
  VmemuGlibcRandom z;

  vmemu_glibc_srandom (&r, 1);
  g_assert_cmpuint (vmemu_glibc_random (&r), ==, 1804289383);
  g_assert_cmpuint (vmemu_glibc_random (&r), ==, 846930886);
  g_assert_cmpuint (vmemu_glibc_random (&r), ==, 1681692777);
  g_assert_cmpuint (vmemu_glibc_random (&r), ==, 1714636915);
  /* srandom(0) is srandom(1) */
  vmemu_glibc_srandom (&r, 1);
  vmemu_glibc_srandom (&z, 0);
  for (int i = 0; i < 100; i++)
    g_assert_cmpuint (vmemu_glibc_random (&z), ==, vmemu_glibc_random (&r));
}

/* The engine may not call the host generator; the test may, to prove the
 * clone is exact (this machine's C library is glibc). */
static void
test_fsx_glibc_matches_libc (void)
{
  static const guint32 seeds[] = { 1, 2, 42, G127_SEED, 0x7fffffffu, 0x80000000u,
                                   0x80000001u, 0xdeadbeefu, 0xffffffffu };

  for (gsize k = 0; k < G_N_ELEMENTS (seeds); k++)
    {
      VmemuGlibcRandom r;

      vmemu_glibc_srandom (&r, seeds[k]);
      srandom (seeds[k]);
      for (int i = 0; i < 20000; i++)
        {
          guint32 want = (guint32) random ();
          guint32 got = vmemu_glibc_random (&r);

          if (want != got)
            g_error ("seed %u output %d: libc %u, clone %u", seeds[k], i, want, got);
        }
    }
  g_assert_true (TRUE);
}

/* ---- pattern ------------------------------------------------------------ */

static void
test_fsx_pattern_bytes (void)
{
  /* srandom(1): 0x6b8b4567 0x327b23c6 0x643c9869 0x66334873 -> 67 c6 69 73 */
  g_autoptr(VmemuFsxPattern) p = vmemu_fsx_pattern_new (1, 16);
  guint8 buf[6];

  g_assert_cmpuint (vmemu_fsx_pattern_seed (p), ==, 1);
  g_assert_cmpuint (vmemu_fsx_pattern_length_bytes (p), ==, 16);
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 5, 0), ==, 5);          /* even: n only */
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 5, 1), ==, 5 + 0xc6);
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 5, 2), ==, 5);
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 5, 3), ==, 5 + 0x73);
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 300, 1), ==, (300 + 0xc6) % 256);
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 7, 17), ==, 7);         /* past -l */
  g_assert_cmpuint (vmemu_fsx_pattern_byte (p, 7, 15), !=, 7);
  vmemu_fsx_pattern_fill (p, 200, 0, buf, sizeof buf);
  g_assert_cmpuint (buf[0], ==, 200);
  g_assert_cmpuint (buf[1], ==, (200 + 0xc6) % 256);
  g_assert_cmpuint (buf[2], ==, 200);
  g_assert_cmpuint (buf[3], ==, (200 + 0x73) % 256);
  g_assert_cmpuint (buf[4], ==, 200);
  vmemu_fsx_pattern_fill (p, 1, 3, buf, 1);
  g_assert_cmpuint (buf[0], ==, 1 + 0x73);
}

/* ---- parser ------------------------------------------------------------- */

static void
test_fsx_parse_examples (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) std = vmemu_fsx_parse_data ("std", example_std, strlen (example_std),
                                                &error);
  g_autoptr(GArray) lite = NULL;
  const VmemuFsxEntry *e;
  guint skipped = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (std->len, ==, 200);
  e = &g_array_index (std, VmemuFsxEntry, 0);
  g_assert_true (e->skipped);
  g_assert_cmpint (e->op, ==, VMEMU_FSX_OP_COLLAPSE_RANGE);
  g_assert_cmpuint (e->args[0], ==, 0x3d6a5000);
  g_assert_cmpuint (e->line, ==, 1);
  e = &g_array_index (std, VmemuFsxEntry, 10);   /* skip exchange_range, 4 args */
  g_assert_cmpint (e->op, ==, VMEMU_FSX_OP_EXCHANGE_RANGE);
  g_assert_cmpuint (e->nr_args, ==, 4);
  g_assert_cmpuint (e->args[3], ==, 0x25f73);
  g_assert_cmpuint (e->opnum, ==, 11);
  e = &g_array_index (std, VmemuFsxEntry, 17);
  g_assert_cmpint (e->op, ==, VMEMU_FSX_OP_ZERO_RANGE);
  g_assert_true (e->keep_size);
  for (guint i = 0; i < std->len; i++)
    skipped += g_array_index (std, VmemuFsxEntry, i).skipped;
  g_assert_cmpuint (skipped, ==, 58);

  lite = vmemu_fsx_parse_data ("lite", example_lite, strlen (example_lite), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lite->len, ==, 200);
}

static void
test_fsx_parse_grammar (void)
{
  static const char text[] =
    "# a comment line\n"
    "\n"
    "   \t \n"
    "#read 0 0 0\n"
    "write\t0x10  010 0 close_open * \n"     /* tabs, octal, flags */
    "skip write_atomic 0x7fffffff 4294967295 +5\n"
    "fallocate 0 0X20 0x20 unshare keep_size\n"
    "truncate 0 0 0x20";                     /* no final newline */
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) a = vmemu_fsx_parse_data ("t", text, sizeof text - 1, &error);
  const VmemuFsxEntry *e;

  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 4);
  e = &g_array_index (a, VmemuFsxEntry, 0);
  g_assert_cmpuint (e->line, ==, 5);
  g_assert_cmpuint (e->opnum, ==, 1);
  g_assert_cmpuint (e->args[0], ==, 16);
  g_assert_cmpuint (e->args[1], ==, 8);
  g_assert_true (e->close_open && e->marked && !e->keep_size);
  e = &g_array_index (a, VmemuFsxEntry, 1);
  g_assert_true (e->skipped);
  g_assert_cmpuint (e->args[1], ==, 4294967295u);
  g_assert_cmpuint (e->args[2], ==, 5);
  e = &g_array_index (a, VmemuFsxEntry, 2);
  g_assert_true (e->unshare && e->keep_size);
  e = &g_array_index (a, VmemuFsxEntry, 3);
  g_assert_cmpuint (e->line, ==, 8);
  g_assert_cmpuint (e->opnum, ==, 4);
}

typedef struct {
  const char *text;
  const char *message;   /* the whole expected message */
} BadCase;

static void
test_fsx_parse_errors (void)
{
  static const BadCase cases[] = {
    { "read 0 0 0\nfrob 0 0 0\n", "f.ops:2: unknown operation 'frob'" },
    { "write 0x1g 0 0\n", "f.ops:1: argument 1 of 'write' is not a number: '0x1g'" },
    { "write 0x 0 0\n", "f.ops:1: argument 1 of 'write' is not a number: '0x'" },
    { "write 0 08 0\n", "f.ops:1: argument 2 of 'write' is not a number: '08'" },
    { "write 0 12abc 0\n", "f.ops:1: argument 2 of 'write' is not a number: '12abc'" },
    { "\n\nwrite 0 -5 0\n", "f.ops:3: argument 2 of 'write' is negative: '-5'" },
    { "write 0 0 0x100000000\n", "f.ops:1: argument 3 of 'write' does not fit in 32 bits: "
                                 "'0x100000000'" },
    { "read 0 0 0 garbage\n", "f.ops:1: unexpected 'garbage' after the arguments of 'read' "
                              "(flags are keep_size, close_open, unshare and *)" },
    { "#x\nread 0 0\n", "f.ops:2: 'read' needs 3 arguments (OFF LEN SIZE), found 2" },
    { "copy_range 0 0 0\n", "f.ops:1: 'copy_range' needs 4 arguments (SRC LEN DST SIZE), "
                            "found 3" },
    { "truncate\n", "f.ops:1: 'truncate' needs 3 arguments (0 NEWSIZE SIZE), found 0" },
    { "fallocate 0 1 0 keep_sizes\n", "f.ops:1: unexpected 'keep_sizes' after the arguments "
                                      "of 'fallocate' (flags are keep_size, close_open, "
                                      "unshare and *)" },
    { "read 0 0 0\nskip\n", "f.ops:2: 'skip' without an operation" },
    { "skip skip read 0 0 0\n", "f.ops:1: unknown operation 'skip'" },
    { "read 0 0 0\r\n", "f.ops:1: argument 3 of 'read' is not a number: '0\\r'" },
    { "READ 0 0 0\n", "f.ops:1: unknown operation 'READ'" },
    { "read 0 0 0 # trailing comment\n", "f.ops:1: unexpected '#' after the arguments of "
                                         "'read' (flags are keep_size, close_open, unshare "
                                         "and *)" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) a = vmemu_fsx_parse_data ("f.ops", cases[i].text,
                                                  strlen (cases[i].text), &error);

      g_assert_null (a);
      g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_PARSE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
      g_assert_null (strchr (error->message, '\n'));
    }
}

static void
test_fsx_parse_long_line (void)
{
  g_autoptr(GString) s = g_string_new ("read 0 0 0\nread 0 0 0");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) a = NULL;
  static const char nul[] = "read 0 0 0\nread\0 0 0 0\n";

  while (s->len < 11 + 255)
    g_string_append_c (s, ' ');
  g_string_append_c (s, '\n');   /* line 2: exactly 255 characters: accepted */
  a = vmemu_fsx_parse_data ("f.ops", s->str, s->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->len, ==, 2);
  g_clear_pointer (&a, g_array_unref);

  g_string_insert_c (s, 12, ' ');  /* now 256 */
  a = vmemu_fsx_parse_data ("f.ops", s->str, s->len, &error);
  g_assert_null (a);
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==,
                   "f.ops:2: line is 256 characters long; fsx reads at most 255");
  g_clear_error (&error);

  a = vmemu_fsx_parse_data ("f.ops", nul, sizeof nul - 1, &error);
  g_assert_null (a);
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_PARSE);
  g_assert_cmpstr (error->message, ==, "f.ops:2: NUL byte in line");
}

/* ---- importer: semantics ------------------------------------------------ */

static VmemuScenario *
import_text (const char *text, const VmemuFsxImportOptions *opts, GError **error)
{
  return vmemu_fsx_import_data ("f.ops", text, strlen (text), opts, NULL, error);
}

static void
test_fsx_import_semantic_errors (void)
{
  static const struct {
    const char *text;
    gint code;
    const char *message;
  } cases[] = {
    { "write 0 0x10 0\nread 0 8 0x11\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: read: SIZE column says 0x11 but the ops above leave the file at 0x10 bytes" },
    { "write 0 0x10 0\nmapread 8 9 0x10\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: mapread: reads [0x8, 0x11) past EOF 0x10" },
    { "write 0x3ffff 2 0\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:1: write: range ends at 0x40001, past the fsx file length 0x40000 (-l)" },
    { "truncate 1 0x10 0\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:1: truncate: the first argument must be 0, not 0x1" },
    { "write 0 0x4000 0\ncollapse_range 0x800 0x1000 0x4000\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: collapse_range: offset 0x800 and length 0x1000 must be non-zero multiples "
      "of the block size 4096" },
    { "write 0 0x4000 0\ncollapse_range 0x1000 0x3000 0x4000\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: collapse_range: range must end before EOF 0x4000" },
    { "write 0 0x4000 0\ninsert_range 0x4000 0x1000 0x4000\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: insert_range: offset must lie before EOF 0x4000" },
    { "write 0 0x100 0\ncopy_range 0 0x80 0x40 0x100\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: copy_range: source and destination overlap" },
    { "write 0 0x100 0\ncopy_range 0x80 0x100 0x400 0x100\n", VMEMU_FSX_ERROR_INVALID,
      "f.ops:2: copy_range: source ends at 0x180, past EOF 0x100" },
    { "write 0 0x2000 0\n\nexchange_range 0 0x1000 0x1000 0x2000\n",
      VMEMU_FSX_ERROR_UNSUPPORTED, "f.ops:3: exchange_range: vmemu has no primitive op for "
                                   "this; only skipped lines are accepted" },
  };
  VmemuFsxImportOptions o;

  vmemu_fsx_import_options_init (&o);
  o.block_size_bytes = 4096;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(VmemuScenario) scn = import_text (cases[i].text, &o, &error);

      g_assert_null (scn);
      g_assert_error (error, VMEMU_FSX_ERROR, cases[i].code);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_fsx_import_options_errors (void)
{
  VmemuFsxImportOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;

  vmemu_fsx_import_options_init (&o);
  g_assert_cmpuint (o.fsx_seed, ==, 1);
  g_assert_cmpuint (o.fsx_length_bytes, ==, 262144);
  g_assert_cmpuint (o.page_size_bytes, ==, 4096);
  g_assert_cmpuint (o.block_size_bytes, ==, 1024);
  g_assert_cmpstr (o.file_path, ==, "/fsx");
  o.block_size_bytes = 8192;
  scn = import_text ("read 0 0 0\n", &o, &error);
  g_assert_null (scn);
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS);
  g_clear_error (&error);
  vmemu_fsx_import_options_init (&o);
  o.fsx_length_bytes = 0;
  scn = import_text ("read 0 0 0\n", &o, &error);
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS);
}

static const VmemuOp *
op_at (const VmemuTask *t, guint i)
{
  g_assert_cmpuint (i, <, t->ops->len);
  return &g_array_index (t->ops, VmemuOp, i);
}

static void
assert_op (const VmemuTask *t, guint i, VmemuOpKind kind, guint64 off, guint64 len)
{
  const VmemuOp *op = op_at (t, i);

  g_assert_cmpstr (vmemu_op_kind_name (op->kind), ==, vmemu_op_kind_name (kind));
  g_assert_cmpuint (op->offset_bytes, ==, off);
  g_assert_cmpuint (op->length_bytes, ==, len);
}

/* Every fsx op becomes the primitive ops docs/fsx.md lists. */
static void
test_fsx_import_mapping (void)
{
  static const char text[] =
    "write 0x1001 0x10 0x0\n"                    /* 1: write, hole before it */
    "skip clone_range 0 0 0 0\n"                 /* 2: nothing */
    "mapread 0x1008 0x8 0x1011\n"                /* 3 */
    "mapwrite 0x1ff0 0x20 0x1011 close_open\n"   /* 4: truncate up, map 2 pages */
    "truncate 0x0 0x1800 0x2010\n"               /* 5 */
    "punch_hole 0x1000 0x10000 0x1800\n"         /* 6: trimmed to EOF */
    "zero_range 0x1800 0x100 0x1800 keep_size\n" /* 7 */
    "fallocate 0x1800 0x800 0x1800\n"            /* 8: size 0x2000 */
    "copy_range 0x0 0x100 0x3000 0x2000\n"       /* 9: size 0x3100 */
    "insert_range 0x1000 0x1000 0x3100\n"        /* 10: size 0x4100 */
    "collapse_range 0x0 0x1000 0x4100\n"         /* 11: size 0x3100 */
    "skip exchange_range 0 0 0 0 close_open\n"   /* 12: drop_caches only */
    "dedupe_range 0 0x10 0x100 0x3100\n"         /* 13: nothing */
    "read 0 0 0x3100\n";                         /* 14: zero length: nothing */
  g_autoptr(GError) error = NULL;
  VmemuFsxImportOptions o;
  VmemuFsxImportStats st = { 0 };
  g_autoptr(VmemuScenario) scn = NULL;
  const VmemuTask *t;
  const VmemuFile *f;
  guint i = 0;

  vmemu_fsx_import_options_init (&o);
  o.name = "map-test";
  scn = vmemu_fsx_import_data ("f.ops", text, strlen (text), &o, &st, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (scn->name, ==, "map-test");
  g_assert_true (scn->has_fsx);
  g_assert_cmpuint (scn->fsx_seed, ==, 1);
  g_assert_cmpuint (scn->fsx_length_bytes, ==, 262144);
  g_assert_false (scn->fsx_lite);
  g_assert_cmpuint (scn->block_size_bytes, ==, 1024);
  g_assert_cmpuint (scn->files->len, ==, 1);
  f = g_ptr_array_index (scn->files, 0);
  g_assert_cmpstr (f->path, ==, "/fsx");
  g_assert_cmpuint (f->size_bytes, ==, 0);
  g_assert_cmpuint (scn->tasks->len, ==, 1);
  t = g_ptr_array_index (scn->tasks, 0);
  g_assert_cmpstr (t->name, ==, "fsx");

  assert_op (t, i, VMEMU_OP_WRITE, 0x1001, 0x10);
  g_assert_cmpint (op_at (t, i)->data, ==, VMEMU_DATA_FSX);
  g_assert_cmpuint (op_at (t, i)->fsx_opnum, ==, 1);
  g_assert_cmpint (op_at (t, i++)->file, ==, 0);
  assert_op (t, i++, VMEMU_OP_MMAP, 0x1000, 0x1000);
  assert_op (t, i++, VMEMU_OP_MREAD, 0x8, 0x8);
  assert_op (t, i++, VMEMU_OP_MUNMAP, 0, 0);
  assert_op (t, i, VMEMU_OP_TRUNCATE, 0, 0);
  g_assert_cmpuint (op_at (t, i++)->size_bytes, ==, 0x2010);
  assert_op (t, i, VMEMU_OP_MMAP, 0x1000, 0x2000);
  g_assert_cmpint (op_at (t, i++)->map, >=, 0);
  assert_op (t, i, VMEMU_OP_MWRITE, 0xff0, 0x20);
  g_assert_cmpint (op_at (t, i)->data, ==, VMEMU_DATA_FSX);
  g_assert_cmpuint (op_at (t, i++)->fsx_opnum, ==, 4);
  assert_op (t, i, VMEMU_OP_MSYNC, 0, 0);
  g_assert_true (op_at (t, i++)->sync);
  assert_op (t, i++, VMEMU_OP_MUNMAP, 0, 0);
  assert_op (t, i, VMEMU_OP_DROP_CACHES, 0, 0);
  g_assert_cmpuint (op_at (t, i++)->mode, ==, 3);
  assert_op (t, i, VMEMU_OP_TRUNCATE, 0, 0);
  g_assert_cmpuint (op_at (t, i++)->size_bytes, ==, 0x1800);
  assert_op (t, i++, VMEMU_OP_PUNCH_HOLE, 0x1000, 0x800);
  assert_op (t, i, VMEMU_OP_ZERO_RANGE, 0x1800, 0x100);
  g_assert_true (op_at (t, i++)->keep_size);
  assert_op (t, i, VMEMU_OP_FALLOCATE, 0x1800, 0x800);
  g_assert_false (op_at (t, i++)->keep_size);
  assert_op (t, i, VMEMU_OP_COPY_RANGE, 0, 0x100);
  g_assert_cmpuint (op_at (t, i)->src_bytes, ==, 0);
  g_assert_cmpuint (op_at (t, i++)->dst_bytes, ==, 0x3000);
  assert_op (t, i++, VMEMU_OP_INSERT_RANGE, 0x1000, 0x1000);
  assert_op (t, i++, VMEMU_OP_COLLAPSE_RANGE, 0, 0x1000);
  assert_op (t, i, VMEMU_OP_DROP_CACHES, 0, 0);
  g_assert_cmpuint (op_at (t, i++)->mode, ==, 3);
  g_assert_cmpuint (t->ops->len, ==, i);
  g_assert_cmpuint (st.entries, ==, 14);
  g_assert_cmpuint (st.skipped, ==, 2);
  g_assert_cmpuint (st.ops_emitted, ==, i);
  g_assert_cmpuint (st.final_size_bytes, ==, 0x3100);
}

/* The optional extras: fsx -f and -y, the EOF-page check, replay-style
 * close_open, drop_caches and anonymous pressure. */
static void
test_fsx_import_options_extras (void)
{
  static const char text[] = "write 0 0x10 0x0\n"
                             "skip read 0 0 0 close_open\n"
                             "mapread 0 0x8 0x10\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  VmemuFsxImportOptions o;
  const VmemuTask *t, *pt;
  guint i = 0;

  vmemu_fsx_import_options_init (&o);
  o.flush_after_write = o.fsync_after_write = o.eof_page_check = TRUE;
  o.close_open_on_skip = FALSE;
  o.pressure.drop_caches_every = 3;
  o.pressure.drop_caches_mode = 2;
  o.pressure.anon_bytes = 1 << 20;
  o.pressure.anon_hold_ns = 5000;
  o.pressure.anon_gap_ns = 7000;
  o.page_size_bytes = 65536;
  scn = import_text (text, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (scn->machine.page_size_bytes, ==, 65536);
  t = g_ptr_array_index (scn->tasks, 0);
  assert_op (t, i++, VMEMU_OP_WRITE, 0, 0x10);
  assert_op (t, i++, VMEMU_OP_MMAP, 0, 0x10000);          /* -f */
  assert_op (t, i, VMEMU_OP_MSYNC, 0, 0);
  g_assert_false (op_at (t, i++)->sync);
  assert_op (t, i++, VMEMU_OP_MUNMAP, 0, 0);
  assert_op (t, i++, VMEMU_OP_FSYNC, 0, 0);               /* -y */
  assert_op (t, i++, VMEMU_OP_MMAP, 0, 0x10000);
  assert_op (t, i++, VMEMU_OP_MREAD, 0, 0x8);
  assert_op (t, i++, VMEMU_OP_MREAD, 0x10, 0x10000 - 0x10); /* EOF page tail */
  assert_op (t, i++, VMEMU_OP_MUNMAP, 0, 0);
  assert_op (t, i, VMEMU_OP_DROP_CACHES, 0, 0);            /* every 3rd entry */
  g_assert_cmpuint (op_at (t, i++)->mode, ==, 2);
  g_assert_cmpuint (t->ops->len, ==, i);

  g_assert_cmpuint (scn->tasks->len, ==, 2);
  pt = g_ptr_array_index (scn->tasks, 1);
  g_assert_cmpstr (pt->name, ==, "pressure");
  g_assert_cmpuint (pt->ops->len, ==, 2 * 3);             /* one cycle per entry */
  g_assert_cmpint (op_at (pt, 0)->kind, ==, VMEMU_OP_ALLOCATE);
  g_assert_cmpuint (op_at (pt, 0)->size_bytes, ==, 1 << 20);
  g_assert_cmpuint (op_at (pt, 0)->after_ns, ==, 7000);
  g_assert_cmpint (op_at (pt, 0)->region, >=, 0);
  g_assert_cmpint (op_at (pt, 1)->kind, ==, VMEMU_OP_FREE);
  g_assert_cmpuint (op_at (pt, 1)->after_ns, ==, 5000);
  g_assert_cmpint (op_at (pt, 1)->region, ==, op_at (pt, 0)->region);
}

static void
test_fsx_pressure_parse (void)
{
  VmemuFsxPressure pr;
  g_autoptr(GError) error = NULL;

  vmemu_fsx_pressure_init (&pr);
  g_assert_true (vmemu_fsx_pressure_parse ("anon=48MiB, hold=2ms,gap=1ms,cycles=9,"
                                           "drop-every=25,drop-mode=3", &pr, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pr.anon_bytes, ==, 48 << 20);
  g_assert_cmpuint (pr.anon_hold_ns, ==, 2000000);
  g_assert_cmpuint (pr.anon_gap_ns, ==, 1000000);
  g_assert_cmpuint (pr.anon_cycles, ==, 9);
  g_assert_cmpuint (pr.drop_caches_every, ==, 25);
  g_assert_cmpuint (pr.drop_caches_mode, ==, 3);

  vmemu_fsx_pressure_init (&pr);
  g_assert_true (vmemu_fsx_pressure_parse ("anon=1MiB", &pr, &error));
  g_assert_cmpuint (pr.anon_hold_ns, ==, 1000000);   /* defaults */
  g_assert_false (vmemu_fsx_pressure_parse ("bogus=1", &pr, &error));
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS);
  g_clear_error (&error);
  g_assert_false (vmemu_fsx_pressure_parse ("drop-mode=4", &pr, &error));
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS);
  g_clear_error (&error);
  g_assert_false (vmemu_fsx_pressure_parse ("anon", &pr, &error));
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_OPTIONS);
}

/* ---- reference replay --------------------------------------------------- */

/* fsx's good_buf, driven by the imported primitive ops instead of the op
 * file: if import and pattern are right, the final bytes are the real
 * file's.  Bytes at and past `size` are kept zero. */
typedef struct {
  guint8 *buf;
  guint64 cap;
  guint64 size;
  guint64 map_start;       /* offset of the current mapping */
  const VmemuFsxPattern *pat;
} Flat;

static void
flat_resize (Flat *f, guint64 new_size)
{
  g_assert_cmpuint (new_size, <=, f->cap);
  if (new_size < f->size)
    memset (f->buf + new_size, 0, f->size - new_size);
  f->size = new_size;
}

static void
flat_zero (Flat *f, guint64 off, guint64 len, gboolean keep_size)
{
  if (!keep_size && off + len > f->size)
    flat_resize (f, off + len);
  if (off < f->size)
    memset (f->buf + off, 0, MIN (off + len, f->size) - off);
}

static void
flat_move (Flat *f, const VmemuOp *op)
{
  guint64 off = op->offset_bytes, len = op->length_bytes;

  if (op->kind == VMEMU_OP_COLLAPSE_RANGE)
    {
      g_assert_cmpuint (off + len, <, f->size);
      memmove (f->buf + off, f->buf + off + len, f->size - off - len);
      flat_resize (f, f->size - len);
      return;
    }
  if (op->kind == VMEMU_OP_INSERT_RANGE)
    {
      g_assert_cmpuint (off, <, f->size);
      flat_resize (f, f->size + len);
      memmove (f->buf + off + len, f->buf + off, f->size - off - len);
      memset (f->buf + off, 0, len);
      return;
    }
  g_assert_cmpuint (op->src_bytes + len, <=, f->size);
  if (op->dst_bytes + len > f->size)
    flat_resize (f, op->dst_bytes + len);
  memmove (f->buf + op->dst_bytes, f->buf + op->src_bytes, len);
}

static void
flat_apply (Flat *f, const VmemuOp *op)
{
  guint64 off = op->offset_bytes, len = op->length_bytes;

  switch (op->kind)
    {
    case VMEMU_OP_READ:
      g_assert_cmpuint (off + len, <=, f->size);
      break;
    case VMEMU_OP_MMAP:
      f->map_start = off;
      break;
    case VMEMU_OP_MREAD:
      g_assert_cmpuint (f->map_start + off + len, <=, f->size);
      break;
    case VMEMU_OP_MWRITE:
      off += f->map_start;
      g_assert_cmpuint (off + len, <=, f->size);   /* fsx truncated up first */
      G_GNUC_FALLTHROUGH;
    case VMEMU_OP_WRITE:
      g_assert_cmpint (op->data, ==, VMEMU_DATA_FSX);
      if (off + len > f->size)
        flat_resize (f, off + len);
      vmemu_fsx_pattern_fill (f->pat, op->fsx_opnum, off, f->buf + off, len);
      break;
    case VMEMU_OP_TRUNCATE:
      flat_resize (f, op->size_bytes);
      break;
    case VMEMU_OP_FALLOCATE:
      if (!op->keep_size && off + len > f->size)
        flat_resize (f, off + len);
      break;
    case VMEMU_OP_PUNCH_HOLE:
      g_assert_cmpuint (off + len, <=, f->size);
      flat_zero (f, off, len, TRUE);
      break;
    case VMEMU_OP_ZERO_RANGE:
      flat_zero (f, off, len, op->keep_size);
      break;
    case VMEMU_OP_COLLAPSE_RANGE:
    case VMEMU_OP_INSERT_RANGE:
    case VMEMU_OP_COPY_RANGE:
      flat_move (f, op);
      break;
    default:
      break;   /* msync, munmap, drop_caches: no effect on the bytes */
    }
}

static char *
replay_sha256 (const VmemuScenario *scn, guint64 *final_size)
{
  g_autoptr(VmemuFsxPattern) pat = vmemu_fsx_pattern_new (scn->fsx_seed,
                                                          scn->fsx_length_bytes);
  const VmemuFile *file = g_ptr_array_index (scn->files, 0);
  const VmemuTask *t = g_ptr_array_index (scn->tasks, 0);
  Flat f = { .cap = scn->fsx_length_bytes, .pat = pat };
  char *sum;

  f.buf = g_malloc0 (f.cap);
  f.size = file->size_bytes;   /* lite: zeros; otherwise empty */
  for (guint i = 0; i < t->ops->len; i++)
    flat_apply (&f, &g_array_index (t->ops, VmemuOp, i));
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, f.buf, f.size);
  *final_size = f.size;
  g_free (f.buf);
  return sum;
}

static void
check_replay (const char *text, gboolean lite, const char *want_sha)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  g_autofree char *sum = NULL;
  VmemuFsxImportOptions o;
  VmemuFsxImportStats st = { 0 };
  guint64 size = 0;

  vmemu_fsx_import_options_init (&o);
  o.fsx_seed = G127_SEED;
  o.fsx_length_bytes = G127_LENGTH;
  o.lite = lite;
  scn = vmemu_fsx_import_data ("example", text, strlen (text), &o, &st, &error);
  g_assert_no_error (error);
  g_assert_true (scn->has_fsx);
  g_assert_cmpuint (scn->fsx_seed, ==, G127_SEED);
  g_assert_cmpuint (scn->fsx_length_bytes, ==, G127_LENGTH);
  g_assert_cmpint (scn->fsx_lite, ==, lite);
  g_assert_cmpuint (st.entries, ==, 200);
  g_assert_cmpuint (st.final_size_bytes, ==, G127_LENGTH);
  sum = replay_sha256 (scn, &size);
  g_assert_cmpuint (size, ==, G127_LENGTH);
  g_assert_cmpstr (sum, ==, want_sha);
}

static void
test_fsx_replay_std (void)
{
  check_replay (example_std, FALSE, STD_SHA256);
}

static void
test_fsx_replay_lite (void)
{
  check_replay (example_lite, TRUE, LITE_SHA256);
}

/* The hash really depends on the pattern: another seed gives other bytes. */
static void
test_fsx_replay_wrong_seed_differs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  g_autofree char *sum = NULL;
  VmemuFsxImportOptions o;
  guint64 size = 0;

  vmemu_fsx_import_options_init (&o);
  o.fsx_seed = G127_SEED + 1;
  scn = import_text (example_std, &o, &error);
  g_assert_no_error (error);
  sum = replay_sha256 (scn, &size);
  g_assert_cmpstr (sum, !=, STD_SHA256);
}

/* ---- files and YAML ------------------------------------------------------ */

typedef struct {
  char *dir;
} TmpDir;

static void
tmpdir_set_up (TmpDir *t, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  t->dir = g_dir_make_tmp ("test-fsx-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
tmpdir_tear_down (TmpDir *t, gconstpointer data)
{
  g_autoptr(GDir) d = g_dir_open (t->dir, 0, NULL);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (t->dir, n, NULL);
      g_unlink (p);
    }
  g_rmdir (t->dir);
  g_free (t->dir);
}

static void
test_fsx_import_file (TmpDir *t, gconstpointer data)
{
  g_autofree char *path = g_build_filename (t->dir, "G127_Std.run.fsxops", NULL);
  g_autofree char *bad = g_build_filename (t->dir, "bad.fsxops", NULL);
  g_autofree char *missing = g_build_filename (t->dir, "missing.fsxops", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  g_autofree char *want = NULL;

  g_assert_true (g_file_set_contents (path, example_std, -1, NULL));
  scn = vmemu_fsx_import_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (scn->name, ==, "g127-std-run");   /* from the file name */
  g_clear_pointer (&scn, vmemu_scenario_free);

  g_assert_true (g_file_set_contents (bad, "read 0 0 0\nread 0 1 0 zz\n", -1, NULL));
  scn = vmemu_fsx_import_file (bad, NULL, &error);
  g_assert_null (scn);
  g_assert_error (error, VMEMU_FSX_ERROR, VMEMU_FSX_ERROR_PARSE);
  want = g_strdup_printf ("%s:2: ", bad);
  g_assert_true (g_str_has_prefix (error->message, want));
  g_clear_error (&error);

  scn = vmemu_fsx_import_file (missing, NULL, &error);
  g_assert_null (scn);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* The imported scenario is a valid scenario: it survives YAML and the loader. */
static void
test_fsx_import_yaml_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VmemuScenario) scn = NULL;
  g_autoptr(VmemuScenario) back = NULL;
  g_autoptr(GString) yaml = g_string_new (NULL);
  VmemuFsxImportOptions o;
  const VmemuTask *a, *b;

  vmemu_fsx_import_options_init (&o);
  o.fsx_seed = G127_SEED;
  o.pressure.anon_bytes = 1 << 20;
  o.pressure.anon_hold_ns = 1000;
  o.pressure.anon_cycles = 3;
  scn = import_text (example_std, &o, &error);
  g_assert_no_error (error);
  vmemu_scenario_write_yaml (scn, "imported", yaml);
  back = vmemu_scenario_load_data ("rt.yaml", yaml->str, yaml->len, &error);
  g_assert_no_error (error);
  g_assert_true (back->has_fsx);
  g_assert_cmpuint (back->fsx_seed, ==, G127_SEED);
  g_assert_cmpuint (back->tasks->len, ==, 2);
  a = g_ptr_array_index (scn->tasks, 0);
  b = g_ptr_array_index (back->tasks, 0);
  g_assert_cmpuint (b->ops->len, ==, a->ops->len);
  for (guint i = 0; i < a->ops->len; i++)
    {
      const VmemuOp *x = op_at (a, i), *y = op_at (b, i);

      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpuint (x->offset_bytes, ==, y->offset_bytes);
      g_assert_cmpuint (x->length_bytes, ==, y->length_bytes);
      g_assert_cmpuint (x->size_bytes, ==, y->size_bytes);
      g_assert_cmpint (x->data, ==, y->data);
      g_assert_cmpuint (x->fsx_opnum, ==, y->fsx_opnum);
      g_assert_cmpint (x->keep_size, ==, y->keep_size);
    }
}

/* ---- generator ----------------------------------------------------------- */

static VmemuScenario *
gen_scenario (void)
{
  VmemuScenario *scn = vmemu_scenario_new ("gen");
  VmemuFile *f = g_new0 (VmemuFile, 1);

  f->path = g_strdup ("/data");
  g_ptr_array_add (scn->files, f);
  scn->block_size_bytes = 1024;
  vmemu_generate_prepare (scn);
  return scn;
}

static void
gen_defaults (VmemuGenerate *g, guint64 seed)
{
  memset (g, 0, sizeof *g);
  g->seed = seed;
  g->count = 2000;
  g->file = 0;
  g->file_length_bytes = 262144;
  g->max_op_size_bytes = 65536;
  g->align_bytes = 1;
  g->w_read = g->w_write = g->w_mread = g->w_mwrite = g->w_truncate = g->w_fallocate = 1;
  g->w_punch_hole = g->w_zero_range = g->w_collapse_range = g->w_insert_range = 1;
  g->w_fsync = g->w_msync = 1;
  g->bg_pressure = g->bg_drop_caches = g->bg_reader_hold = 20;
  g->bg_readahead_error = g->bg_split = 20;
}

static GArray *
ops_array (void)
{
  return g_array_new (FALSE, TRUE, sizeof (VmemuOp));
}

static gboolean
ops_equal (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (VmemuOp)) == 0;
}

static void
test_fsx_generate_deterministic (void)
{
  g_autoptr(VmemuScenario) scn = gen_scenario ();
  g_autoptr(GArray) a = ops_array (), abg = ops_array ();
  g_autoptr(GArray) b = ops_array (), bbg = ops_array ();
  g_autoptr(GArray) c = ops_array (), cbg = ops_array ();
  g_autoptr(GArray) inl = ops_array ();
  VmemuGenerate g;

  gen_defaults (&g, 7);
  vmemu_generate_ops (&g, scn, 0, 4096, a, abg);
  vmemu_generate_ops (&g, scn, 0, 4096, b, bbg);
  g_assert_cmpuint (a->len, >, g.count / 2);
  g_assert_cmpuint (abg->len, >, 0);
  g_assert_true (ops_equal (a, b));
  g_assert_true (ops_equal (abg, bbg));
  gen_defaults (&g, 8);
  vmemu_generate_ops (&g, scn, 0, 4096, c, cbg);
  g_assert_false (ops_equal (a, c));
  /* inline background: the same draws, the background ops interleaved */
  gen_defaults (&g, 7);
  vmemu_generate_ops (&g, scn, 0, 4096, inl, NULL);
  g_assert_cmpuint (inl->len, ==, a->len + abg->len);
}

/* Replays the size model over a generated stream and checks every op. */
static void
check_generated (GArray *ops, guint64 size, guint64 length, guint64 page, guint64 max_op)
{
  guint64 map_start = 0, map_len = 0;

  for (guint i = 0; i < ops->len; i++)
    {
      const VmemuOp *op = &g_array_index (ops, VmemuOp, i);
      guint64 end = op->offset_bytes + op->length_bytes;

      switch (op->kind)
        {
        case VMEMU_OP_READ: case VMEMU_OP_PUNCH_HOLE:
          g_assert_cmpuint (op->length_bytes, >, 0);
          g_assert_cmpuint (end, <=, size);
          break;
        case VMEMU_OP_WRITE: case VMEMU_OP_FALLOCATE: case VMEMU_OP_ZERO_RANGE:
          g_assert_cmpuint (op->length_bytes, >, 0);
          g_assert_cmpuint (op->length_bytes, <=, max_op);
          g_assert_cmpuint (end, <=, length);
          g_assert_cmpint (op->data, ==, VMEMU_DATA_GENERATED);
          if (op->kind == VMEMU_OP_WRITE || !op->keep_size)
            size = MAX (size, end);
          break;
        case VMEMU_OP_MMAP:
          g_assert_cmpuint (op->offset_bytes % page, ==, 0);
          g_assert_cmpuint (op->length_bytes % page, ==, 0);
          map_start = op->offset_bytes;
          map_len = op->length_bytes;
          break;
        case VMEMU_OP_MREAD: case VMEMU_OP_MWRITE:
          g_assert_cmpuint (end, <=, map_len);
          g_assert_cmpuint (map_start + end, <=, size);
          g_assert_cmpuint (op->offset_bytes, <, page);
          break;
        case VMEMU_OP_TRUNCATE:
          g_assert_cmpuint (op->size_bytes, <=, length);
          size = op->size_bytes;
          break;
        case VMEMU_OP_COLLAPSE_RANGE:
          g_assert_cmpuint (end, <, size);
          g_assert_cmpuint (op->offset_bytes % 1024 + op->length_bytes % 1024, ==, 0);
          size -= op->length_bytes;
          break;
        case VMEMU_OP_INSERT_RANGE:
          g_assert_cmpuint (op->offset_bytes, <, size);
          g_assert_cmpuint (size + op->length_bytes, <=, length);
          size += op->length_bytes;
          break;
        default:
          break;
        }
      g_assert_cmpuint (size, <=, length);
    }
}

static void
test_fsx_generate_bounds (void)
{
  g_autoptr(VmemuScenario) scn = gen_scenario ();
  VmemuGenerate g;
  guint seen[VMEMU_OP__COUNT] = { 0 };

  for (guint64 seed = 1; seed <= 8; seed++)
    {
      g_autoptr(GArray) ops = ops_array (), bg = ops_array ();
      guint64 last_at = 0;

      gen_defaults (&g, seed);
      g.align_bytes = seed % 2 ? 1 : 512;
      g.max_op_size_bytes = seed % 3 ? 65536 : 3000;
      vmemu_generate_ops (&g, scn, seed == 1 ? 100000 : 0, 4096, ops, bg);
      check_generated (ops, seed == 1 ? 100000 : 0, g.file_length_bytes, 4096,
                       g.max_op_size_bytes);
      for (guint i = 0; i < ops->len; i++)
        {
          const VmemuOp *op = &g_array_index (ops, VmemuOp, i);
          seen[op->kind]++;
          if (g.align_bytes > 1 && op->kind == VMEMU_OP_WRITE)
            g_assert_cmpuint (op->offset_bytes % g.align_bytes, ==, 0);
        }
      for (guint i = 0; i < bg->len; i++)
        {
          const VmemuOp *op = &g_array_index (bg, VmemuOp, i);
          g_assert_true (op->has_at);
          g_assert_cmpuint (op->at_ns, >, last_at);
          last_at = op->at_ns;
          seen[op->kind]++;
        }
    }
  for (guint k = VMEMU_OP_READ; k <= VMEMU_OP_COLLAPSE_RANGE; k++)
    if (k != VMEMU_OP_FDATASYNC && k != VMEMU_OP_SYNC && k != VMEMU_OP_SYNC_FILE_RANGE)
      g_assert_cmpuint (seen[k], >, 0);
  g_assert_cmpuint (seen[VMEMU_OP_INSERT_RANGE], >, 0);
  g_assert_cmpuint (seen[VMEMU_OP_ALLOCATE], ==, seen[VMEMU_OP_FREE]);
  g_assert_cmpuint (seen[VMEMU_OP_DROP_CACHES], >, 0);
  g_assert_cmpuint (seen[VMEMU_OP_INJECT], >, 0);
  g_assert_cmpuint (seen[VMEMU_OP_SPLIT_FOLIO], >, 0);
}

/* Weights are honoured: only reads and writes when only they weigh. */
static void
test_fsx_generate_weights (void)
{
  g_autoptr(VmemuScenario) scn = gen_scenario ();
  g_autoptr(GArray) ops = ops_array ();
  VmemuGenerate g;
  guint reads = 0, writes = 0;

  gen_defaults (&g, 3);
  g.w_mread = g.w_mwrite = g.w_truncate = g.w_fallocate = g.w_punch_hole = 0;
  g.w_zero_range = g.w_collapse_range = g.w_insert_range = g.w_fsync = g.w_msync = 0;
  g.w_read = 1;
  g.w_write = 3;
  g.bg_pressure = g.bg_drop_caches = g.bg_reader_hold = g.bg_readahead_error = 0;
  g.bg_split = 0;
  g.count = 4000;
  vmemu_generate_ops (&g, scn, 0, 4096, ops, NULL);
  for (guint i = 0; i < ops->len; i++)
    {
      VmemuOpKind k = g_array_index (ops, VmemuOp, i).kind;
      g_assert_true (k == VMEMU_OP_READ || k == VMEMU_OP_WRITE);
      reads += k == VMEMU_OP_READ;
      writes += k == VMEMU_OP_WRITE;
    }
  g_assert_cmpuint (writes, >, 2 * reads);
  g_assert_cmpuint (reads, >, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fsx/glibc-random/known-values", test_fsx_glibc_known_values);
  g_test_add_func ("/fsx/glibc-random/matches-libc", test_fsx_glibc_matches_libc);
  g_test_add_func ("/fsx/pattern/bytes", test_fsx_pattern_bytes);
  g_test_add_func ("/fsx/parse/accepts-examples", test_fsx_parse_examples);
  g_test_add_func ("/fsx/parse/grammar", test_fsx_parse_grammar);
  g_test_add_func ("/fsx/parse/malformed-lines-name-line-and-token", test_fsx_parse_errors);
  g_test_add_func ("/fsx/parse/long-line-and-nul", test_fsx_parse_long_line);
  g_test_add_func ("/fsx/import/inconsistent-lines-are-errors",
                   test_fsx_import_semantic_errors);
  g_test_add_func ("/fsx/import/bad-options", test_fsx_import_options_errors);
  g_test_add_func ("/fsx/import/maps-every-op", test_fsx_import_mapping);
  g_test_add_func ("/fsx/import/extras-and-pressure", test_fsx_import_options_extras);
  g_test_add_func ("/fsx/import/pressure-spec", test_fsx_pressure_parse);
  g_test_add_func ("/fsx/replay/std-matches-real-fsx-sha256", test_fsx_replay_std);
  g_test_add_func ("/fsx/replay/lite-matches-real-fsx-sha256", test_fsx_replay_lite);
  g_test_add_func ("/fsx/replay/wrong-seed-differs", test_fsx_replay_wrong_seed_differs);
  g_test_add ("/fsx/import/from-file", TmpDir, NULL, tmpdir_set_up, test_fsx_import_file,
              tmpdir_tear_down);
  g_test_add_func ("/fsx/import/yaml-round-trip", test_fsx_import_yaml_round_trip);
  g_test_add_func ("/fsx/generate/same-seed-same-ops", test_fsx_generate_deterministic);
  g_test_add_func ("/fsx/generate/stays-in-bounds", test_fsx_generate_bounds);
  g_test_add_func ("/fsx/generate/honours-weights", test_fsx_generate_weights);
  return g_test_run ();
}
