"""Unzip BasicMotions from the aeon wheel (data only; aeon is never imported).

    pip download --no-deps aeon==1.6.0 -d /tmp/aeon
    python prepare_data.py /tmp/aeon/aeon-1.6.0-py3-none-any.whl
"""
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
MEMBERS = ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts"]


def main(wheel):
    out = os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    with zipfile.ZipFile(wheel) as z:
        for m in MEMBERS:
            data = z.read(f"aeon/datasets/data/BasicMotions/{m}")
            with open(os.path.join(out, m), "wb") as f:
                f.write(data)
            print("wrote", m, len(data), "bytes")


if __name__ == "__main__":
    main(sys.argv[1])
