# Writes 1,000 patterned 128 x 128 RGB PNGs to ./many/ (47 MB): python3 make_many_pngs.py
import zlib, struct
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w = h = 128
for i in range(1000):
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            raw += bytes(((x * (i % 7 + 1)) & 255, (y * (i % 5 + 1)) & 255, ((x + y + i) * 3) & 255))
    data = zlib.compress(bytes(raw), 6)
    with open(f'many/img{i:04d}.png', 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', data) + chunk(b'IEND', b''))
