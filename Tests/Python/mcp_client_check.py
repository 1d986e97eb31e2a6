"""Connects the official MCP Python SDK to `twilio-component mcp` over stdio.

Lists the tools, then calls sendSMS and getSMS (and one failing call) against the sandbox the
environment points at. Prints a JSON report of what the client saw; exits 1 if the session fails.

usage: mcp_client_check.py COMPONENT_EXECUTABLE
"""
import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(executable):
    server = StdioServerParameters(command=executable, args=["mcp"], env=dict(os.environ))
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            listed = await session.list_tools()
            tools = {
                tool.name: {
                    "title": tool.title,
                    "inputSchema": tool.inputSchema,
                    "annotations": tool.annotations.model_dump(exclude_none=True) if tool.annotations else None,
                }
                for tool in listed.tools
            }
            sent = await session.call_tool(
                "sendSMS", {"from": "+15005550006", "to": "+14155550100", "body": "Hello from an agent"})
            sid = sent.structuredContent["data"]["sid"]
            fetched = await session.call_tool("getSMS", {"messageSid": sid})
            failed = await session.call_tool("getSMS", {"messageSid": "not-a-sid"})
            return {
                "protocolVersion": initialized.protocolVersion,
                "server": initialized.serverInfo.name,
                "tools": tools,
                "send": {"isError": sent.isError, "structured": sent.structuredContent, "text": sent.content[0].text},
                "get": {"isError": fetched.isError, "structured": fetched.structuredContent},
                "failed": {"isError": failed.isError, "structured": failed.structuredContent},
            }


print(json.dumps(asyncio.run(main(sys.argv[1]))))
