"""`python -m monitor.web.stream_main FD`: the stream process (monitor/web/streamer.py), its
inbox the descriptor FD. gevent patches the standard library before anything else is imported:
the Fanout's reader and every viewer are greenlets of one hub."""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from monitor.web.streamer import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1])))
