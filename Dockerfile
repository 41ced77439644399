# Linli bot image: slim, non-root, translation catalogues compiled at install, CJK font
# included (it ships inside the mplfonts package, so posters render Chinese anywhere).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY requirements.lock pyproject.toml hatch_build.py README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY surveys ./surveys
COPY storage ./storage
# Every dependency at the version pinned in requirements.lock, the one the tests ran with (as a
# constraint: the lock's dev tools are not installed). Building the wheel compiles the .po
# catalogues into .mo (hatch_build.py); the check fails the build if a catalogue or the font
# is missing.
RUN PIP_CONSTRAINT=requirements.lock pip install . \
 && python -c "from bot.app import LOCALES; assert list(LOCALES.glob('*/LC_MESSAGES/linli.mo'))" \
 && python -c "from bot.documents.fonts import cjk_font_path; cjk_font_path()" \
 && rm -rf /src

RUN useradd --create-home --uid 10001 linli
USER linli
WORKDIR /home/linli

EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["linli", "webhook"]
