"""A test MCP server built with the official `mcp` SDK (MCPServer), for Herald's MCP client
tests: `python mcp_server.py stdio`, `python mcp_server.py http PORT`, or `python
mcp_server.py garbage` (stdio, after a line of bytes that are not JSON-RPC).

Tools: add (structured result), echo, fail (an isError result), slow (sleeps, to be
cancelled), crash (the process dies mid-call), env (which variables the server was given),
picture (an image result), grow (adds a tool and sends notifications/tools/list_changed),
touch (sends it without changing anything)."""
import os
import sys

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ImageContent

server = MCPServer("herald-test")


@server.tool(description="Add two integers.")
def add(a: int, b: int) -> int:
    return a + b


@server.tool(description="Say the text back.")
def echo(text: str) -> str:
    return f"echo: {text}"


@server.tool(description="Always fails.")
def fail(reason: str = "it always does") -> str:
    raise ValueError(f"the tool failed: {reason}")


@server.tool(description="Sleep for a while, then answer.")
async def slow(seconds: float) -> str:
    marker = os.environ.get("HERALD_MCP_MARKER")
    if marker:
        with open(marker, "a") as f:
            f.write("slow started\n")
    try:
        await anyio.sleep(seconds)
    except BaseException:
        # A `notifications/cancelled` from the client cancels the call: say so for the test.
        if marker:
            with open(marker, "a") as f:
                f.write("slow cancelled\n")
        raise
    return "slept"


@server.tool(description="The process dies in the middle of the call.")
def crash() -> str:
    os._exit(3)


@server.tool(description="Names of the environment variables the server can see.")
def env() -> str:
    return ",".join(sorted(os.environ))


@server.tool(description="Adds a tool named `grown` and tells the client its tools changed.")
async def grow(ctx: Context) -> str:
    def grown() -> str:
        return "I am new"

    server.add_tool(grown, description="A tool that was not there at the start.")
    await ctx.session.send_tool_list_changed()
    return "grown"


@server.tool(description="Tells the client its tools changed, without changing any.")
async def touch(ctx: Context) -> str:
    await ctx.session.send_tool_list_changed()
    return "touched"


@server.tool(description="A tiny picture.")
def picture() -> ImageContent:
    return ImageContent(type="image", data="iVBORw0KGgo=", mimeType="image/png")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "garbage":
        # A server that writes something other than JSON-RPC to stdout before it starts (the
        # SDK keeps tools from writing to the protocol stream, so this comes first).
        os.write(1, b"\xff\xfenot json at all\n{\"broken\": \n")
        server.run("stdio")
    elif len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run("stdio")
