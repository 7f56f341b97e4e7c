# Writes an N x N RGB PNG, white with a 64 x 64 black square: python3 make_big_png.py OUT.png 8192 (216 KB for 8192).
import zlib, struct, sys, os
def png(path, w, h, color_type=2):
    bpp = 3 if color_type == 2 else 1
    row = b'\x00' + b'\xff' * (w * bpp)
    dot = bytearray(row); 
    for i in range(1 + (w//2)*bpp, 1 + (w//2 + 64)*bpp): dot[i] = 0
    dot = bytes(dot)
    c = zlib.compressobj(9)
    out = []
    for y in range(h):
        out.append(c.compress(dot if h//2 <= y < h//2 + 64 else row))
    out.append(c.flush())
    data = b''.join(out)
    def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, color_type, 0, 0, 0)) + chunk(b'IDAT', data) + chunk(b'IEND', b''))
w = int(sys.argv[2]); png(sys.argv[1], w, w)
