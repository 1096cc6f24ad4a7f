"""/api/v1/users: user administration (admin)."""

from __future__ import annotations

from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.authz import ADMIN
from fastapi import APIRouter, Depends, Query, Request

from ..schemas import Page
from ..schemas.auth import ROLE_TO_PROTO, RoleName, User, UserCreateBody, UserList, UserUpdateBody
from ..security import require

router = APIRouter(prefix="/users", tags=["users"], dependencies=[Depends(require(ADMIN))])


def _auth(request: Request) -> auth_pb2_grpc.AuthServiceStub:
    return request.app.state.clients.stub("auth", auth_pb2_grpc.AuthServiceStub)  # type: ignore[no-any-return]


@router.get("", response_model=UserList, summary="List users")
async def list_users(
    request: Request,
    role: RoleName | None = None,
    q: str = Query(default="", max_length=200),
    page_size: int = Query(default=50, ge=1, le=500),
    page_token: str = Query(default="", max_length=400),
) -> UserList:
    response = await _auth(request).ListUsers(
        auth_pb2.ListUsersRequest(
            page=common_pb2.PageRequest(page_size=page_size, page_token=page_token),
            role=ROLE_TO_PROTO[role] if role else auth_pb2.ROLE_UNSPECIFIED,
            query=q,
        )
    )
    return UserList(
        items=[User.from_proto(u) for u in response.users],
        page=Page(next_page_token=response.page.next_page_token),
    )


@router.post("", response_model=User, status_code=201, summary="Create a user")
async def create_user(body: UserCreateBody, request: Request) -> User:
    user = await _auth(request).CreateUser(
        auth_pb2.CreateUserRequest(
            email=body.email,
            display_name=body.display_name,
            password=body.password,
            roles=[ROLE_TO_PROTO[r] for r in body.roles],
            customer_id=body.customer_id,
        )
    )
    return User.from_proto(user)


@router.get("/{user_id}", response_model=User, summary="Get a user")
async def get_user(user_id: str, request: Request) -> User:
    return User.from_proto(await _auth(request).GetUser(auth_pb2.GetUserRequest(id=user_id)))


@router.patch("/{user_id}", response_model=User, summary="Change a user's name or roles")
async def update_user(user_id: str, body: UserUpdateBody, request: Request) -> User:
    message = auth_pb2.UpdateUserRequest(id=user_id)
    if body.display_name is not None:
        message.display_name = body.display_name
    if body.roles is not None:
        message.roles.extend(ROLE_TO_PROTO[r] for r in body.roles)
        message.update_roles = True
    return User.from_proto(await _auth(request).UpdateUser(message))


@router.post(
    "/{user_id}/disable", response_model=User, summary="Disable a user and end their sessions"
)
async def disable_user(user_id: str, request: Request) -> User:
    return User.from_proto(
        await _auth(request).DisableUser(auth_pb2.DisableUserRequest(id=user_id))
    )


@router.post("/{user_id}/enable", response_model=User, summary="Enable a user")
async def enable_user(user_id: str, request: Request) -> User:
    return User.from_proto(await _auth(request).EnableUser(auth_pb2.EnableUserRequest(id=user_id)))


@router.post("/{user_id}/totp/reset", response_model=User, summary="Remove a user's second factor")
async def reset_totp(user_id: str, request: Request) -> User:
    return User.from_proto(await _auth(request).ResetTotp(auth_pb2.ResetTotpRequest(id=user_id)))
