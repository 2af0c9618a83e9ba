# Optional SSD1306 128x64 OLED on I2C (framebuf), greeting the child by the name
# in the hub's ack. Absent display: the reader works without it.
import framebuf
from micropython import const

_ADDR = const(0x3C)
_W = const(128)
_H = const(64)
# display off; horizontal addressing; start line 0; segment remap; mux 64;
# COM scan descending; offset 0; COM pins; clock; pre-charge; VCOMH; contrast;
# follow RAM; not inverted; charge pump on; display on
_INIT = (
    b"\xae\x20\x00\x40\xa1\xa8\x3f\xc8\xd3\x00\xda\x12\xd5\x80\xd9\xf1\xdb\x30\x81\xcf\xa4\xa6\x8d\x14\xaf"
)


class SSD1306:
    def __init__(self, i2c, addr=_ADDR):
        self.i2c = i2c
        self.addr = addr
        self.buf = bytearray(_W * _H // 8)
        self.fb = framebuf.FrameBuffer(self.buf, _W, _H, framebuf.MONO_VLSB)
        self._cmd = bytearray(2)
        for c in _INIT:
            self.cmd(c)
        self.clear()

    def cmd(self, c):
        self._cmd[0] = 0x80  # Co = 1, D/C = 0: one command byte
        self._cmd[1] = c
        self.i2c.writeto(self.addr, self._cmd)

    def show(self):
        for c in (0x21, 0, _W - 1, 0x22, 0, _H // 8 - 1):
            self.cmd(c)
        self.i2c.writevto(self.addr, (b"\x40", self.buf))

    def clear(self):
        self.fb.fill(0)
        self.show()

    def show_lines(self, lines):
        """Up to 6 lines of 16 characters (the built-in 8x8 font, ASCII only)."""
        fb = self.fb
        fb.fill(0)
        y = 4
        for line in lines:
            if line:
                fb.text(_ascii(line)[:16], 0, y, 1)
            y += 12
        self.show()


def _ascii(s):
    # the framebuf font has no Polish letters: fold them (Zażółć -> Zazolc)
    src = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
    dst = "acelnoszzACELNOSZZ"
    out = []
    for ch in s:
        i = src.find(ch)
        out.append(dst[i] if i >= 0 else (ch if ord(ch) < 128 else "?"))
    return "".join(out)
